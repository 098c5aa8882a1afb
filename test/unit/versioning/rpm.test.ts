import { rpmScheme } from '../../../src/versioning/index.js';
import { testTable } from './table.js';

testTable(rpmScheme, 'rpm');
