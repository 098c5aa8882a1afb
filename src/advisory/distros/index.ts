import { alpine } from './alpine.js';
import { debian } from './debian.js';
import { almalinux, rhel, rocky } from './rpm.js';
import type { DistroRule } from './types.js';
import { ubuntu } from './ubuntu.js';

/** Every supported distribution. Adding one is adding a file and a line here. */
export const DISTROS: readonly DistroRule[] = [debian, ubuntu, alpine, almalinux, rocky, rhel];

export type { DistroRule, AffectedSpecific, UnfixedState } from './types.js';
