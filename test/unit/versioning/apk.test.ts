import { apkScheme } from '../../../src/versioning/index.js';
import { testTable } from './table.js';

testTable(apkScheme, 'apk');
