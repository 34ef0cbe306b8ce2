export { loadEnv, parseSipUsers, type Env } from './config.js';
export { ConfigError, type ConfigIssue } from './config-error.js';
export { VARIABLES, type VariableName, type VariableSpec } from './variables.js';
