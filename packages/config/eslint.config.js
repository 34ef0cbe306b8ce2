import config from '@pigeonhole/eslint-config';
// The one package allowed to read process.env.
export default config(import.meta.dirname, { allowEnv: true });
