import { mavenScheme } from '../../../src/versioning/index.js';
import { testTable } from './table.js';

testTable(mavenScheme, 'maven');
