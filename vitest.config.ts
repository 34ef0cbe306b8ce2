import { readdirSync, existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Workspace packages export `source` (src/*.ts) for tests, so tests never need a build first.
const conditions = ['source', 'node'];

/** One vitest project per package or app that has tests. */
const projects = ['packages', 'apps'].flatMap((group) =>
  readdirSync(group, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(`${group}/${entry.name}/src`))
    .map((entry) => ({
      extends: true as const,
      test: {
        name: entry.name,
        root: `${group}/${entry.name}`,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      },
    })),
);

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    projects,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
