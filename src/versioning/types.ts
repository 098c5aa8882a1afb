/**
 * A version scheme compares version strings of one ecosystem. `compare` returns a negative
 * number, zero or a positive number. `isValid` says whether a string parses in this scheme;
 * compare on an invalid string does its best and never throws.
 */
export interface VersionScheme {
  name: string;
  compare(a: string, b: string): number;
  isValid(version: string): boolean;
}
