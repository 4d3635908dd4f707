/** The workflows this worker runs. Only workflow code and definitions: this file is bundled for the sandbox. */
export { jobLifecycle } from './job-lifecycle';
