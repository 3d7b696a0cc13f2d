// What puts a job in line (SyncJobs, whichever backend runs it), for the parts that only submit jobs: the
// schedules that SyncJobs itself starts.
import type { InputFile, NewJob } from '../../store/jobs.js';
import type { SyncJobRow } from '../../store/tables.js';

export interface JobSubmitter {
  /** Records the job and puts it in line; an idempotent repeat returns the first job, not queued again. */
  submit(job: NewJob, files: InputFile[]): Promise<{ job: SyncJobRow; created: boolean }>;
}
