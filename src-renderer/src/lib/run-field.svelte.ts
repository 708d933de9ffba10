import { getContext } from 'svelte';
import { describedBy, fieldId, fieldLabel, ISSUES_KEY, UNUSED_KEY, type IssuesGetter, type UnusedGetter } from './run-form';

/** What a RunForm* control shows for its config field, kept current as the form's issues and choices change. */
export interface RunField {
  readonly id: string;
  readonly label: string;
  /** The schema's message for the field, if any. */
  readonly error: string | undefined;
  /** Why the other choices leave the field unused, if they do. */
  readonly unused: string | undefined;
  /** aria-describedby for the control (its error, then its unused note or hint). */
  readonly describedBy: string | undefined;
}

interface FieldProps {
  path: string;
  label?: string;
  hint?: string;
  /** A disabled control shows no error. */
  disabled?: boolean;
}

/**
 * The id, label, error and unused note of the config field at `props().path`, from the issues and unused
 * fields the New-run view provides by context. Call while a field component initialises.
 */
export function runField(props: () => FieldProps): RunField {
  const issues = getContext<IssuesGetter | undefined>(ISSUES_KEY);
  const unusedFields = getContext<UnusedGetter | undefined>(UNUSED_KEY);
  const id = $derived(fieldId(props().path));
  const label = $derived(props().label ?? fieldLabel(props().path));
  const unused = $derived(unusedFields?.()[props().path]);
  const error = $derived(props().disabled ? undefined : issues?.()[props().path]);
  const described = $derived(describedBy(id, error, props().hint, unused));
  return {
    get id() {
      return id;
    },
    get label() {
      return label;
    },
    get error() {
      return error;
    },
    get unused() {
      return unused;
    },
    get describedBy() {
      return described;
    },
  };
}
