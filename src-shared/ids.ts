/**
 * The id rule of everything the workspace names by id (datasets, runs, studies, clips, combinations): a
 * letter or digit, then letters, digits, '.', '_' or '-'. No path separator can occur, so an id is always
 * one safe folder or file name. Only the length limit differs between kinds.
 */
export const ID_RULE = 'letters, digits, ".", "_" or "-", starting with a letter or digit';

/** An id of at most `maxLength` characters; no limit when omitted. */
export function idPattern(maxLength?: number): RegExp {
  return new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]${maxLength === undefined ? '*' : `{0,${maxLength - 1}}`}$`);
}

export const DATASET_ID_PATTERN = idPattern(64);
export const RUN_ID_PATTERN = idPattern(128);
export const STUDY_ID_PATTERN = idPattern(128);
export const CLIP_ID_PATTERN = idPattern(128);
/** Combination names and any id the API receives before its store checks its kind's limit. */
export const ANY_ID_PATTERN = idPattern();
