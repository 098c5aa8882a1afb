import { semverScheme } from '../../../src/versioning/index.js';
import { testTable } from './table.js';

testTable(semverScheme, 'semver');
