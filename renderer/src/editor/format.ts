export { thousands } from '../../../core/format.ts';
