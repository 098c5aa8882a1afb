import { goScheme } from '../../../src/versioning/index.js';
import { testTable } from './table.js';

testTable(goScheme, 'go');
