import { genericScheme } from '../../../src/versioning/index.js';
import { testTable } from './table.js';

testTable(genericScheme, 'generic');
