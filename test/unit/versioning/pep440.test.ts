import { pep440Scheme } from '../../../src/versioning/index.js';
import { testTable } from './table.js';

testTable(pep440Scheme, 'pep440');
