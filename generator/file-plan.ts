/** What one worker needs to generate one file, independently of every other file. */
export interface FilePlan {
  /** 0-based position of the file in the dataset. */
  index: number;
  path: string;
  /** Transaction id of the file's first fresh line; the file uses ids firstId .. firstId+freshLines-1. */
  firstId: number;
  /** Lines that carry a new transaction id (valid or reject); duplicates, resent ids and missing-id rejects come on top. */
  freshLines: number;
  /** Ids below this belong to no file; ids from here up to firstId are the earlier files'. */
  datasetFirstId: number;
  /** The file's transactions fall in [startSeconds, startSeconds + spanSeconds), UTC epoch seconds. */
  startSeconds: number;
  spanSeconds: number;
}
