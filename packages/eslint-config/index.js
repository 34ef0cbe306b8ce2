// The workspace's ESLint flat config. A package's eslint.config.js is:
//   import config from '@pigeonhole/eslint-config';
//   export default config(import.meta.dirname);
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Environment access goes through @pigeonhole/config only. */
const restrictEnvAccess = {
  'no-restricted-properties': [
    'error',
    {
      object: 'process',
      property: 'env',
      message: 'Read configuration through @pigeonhole/config.',
    },
  ],
};

/**
 * @param {string} tsconfigRootDir the package directory
 * @param {{ allowEnv?: boolean }} [options]
 */
export default function config(tsconfigRootDir, options = {}) {
  return tseslint.config(
    { ignores: ['dist/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    ...tseslint.configs.stylisticTypeChecked,
    {
      languageOptions: { parserOptions: { projectService: true, tsconfigRootDir } },
      rules: {
        '@typescript-eslint/consistent-type-imports': 'error',
        '@typescript-eslint/no-non-null-assertion': 'error',
        // We ban `!`; an explicit `as T` after a check is the allowed form.
        '@typescript-eslint/non-nullable-type-assertion-style': 'off',
        '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
        'max-params': ['error', 3],
        'no-console': 'error',
        ...(options.allowEnv ? {} : restrictEnvAccess),
      },
    },
    {
      files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
      rules: {
        'no-console': 'off',
        '@typescript-eslint/no-floating-promises': 'off',
        '@typescript-eslint/unbound-method': 'off',
        // Tests hand environments to the processes they start.
        'no-restricted-properties': 'off',
      },
    },
  );
}
