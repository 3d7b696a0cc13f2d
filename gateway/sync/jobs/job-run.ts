// What a job's run (an import or an export) gets from the handler that runs it, apart from the job itself.

/** What a runner gets of its job's handler: the cancellation signal, and a heartbeat that carries progress. */
export interface JobRun {
  signal: AbortSignal;
  /** Records progress (when given) and aborts `signal` if cancellation was asked; never rejects. */
  pulse(progress?: { stage: string; done: number; total?: number; unit?: 'bytes' }): Promise<void>;
}
