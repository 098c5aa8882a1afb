import { dpkgScheme } from '../../../src/versioning/index.js';
import { testTable } from './table.js';

testTable(dpkgScheme, 'dpkg');
