import config from '@pigeonhole/eslint-config';
export default config(import.meta.dirname);
