// Node globals the bundled code uses, from their browser implementations (injected by esbuild).
import { Buffer } from 'buffer';
import process from 'process/browser.js';

export { Buffer, process };
