/**
 * A zod error as issues that name each field: dotted paths, `root` for the value itself. An unknown key is
 * reported on its own path, so the caller sees which field it sent by mistake. The API, the CLI and the
 * stores all report invalid input this way.
 */
import type { z } from 'zod';

export interface FieldIssue {
  path: string;
  message: string;
}

export function zodIssues(error: z.ZodError, root = '(arguments)'): FieldIssue[] {
  const format = (path: ReadonlyArray<PropertyKey>) => (path.length === 0 ? root : path.map(String).join('.'));
  return error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: format([...i.path, k]), message: `unknown field '${k}'` }))
      : [{ path: format(i.path), message: i.message }],
  );
}
