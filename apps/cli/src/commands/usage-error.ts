/** The command line was wrong: the message says how to call the command (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
