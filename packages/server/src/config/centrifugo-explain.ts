import { catalogueKey, isCentrifugoKey, isOff, verdictFor } from './centrifugo.js';
import { isPlainObject, type PlainObject } from './plain-objects.js';
import { closestKey, formatPath, V5_KEYS } from './problems.js';
import { objectKeysAt, schemaAt } from './schema-walk.js';
import { fileSchema } from './schema.js';

/** How one key of a Centrifugo config file maps onto Renum Realtime. */
export interface KeyMapping {
  /** As written in the file, e.g. `channel.namespaces[1].presence`. */
  path: string;
  outcome: 'honoured' | 'unsupported' | 'off' | 'no-op' | 'unknown';
  /** What happens, or what to do instead. */
  detail: string;
}

/** The file's leaves: scalars and lists of scalars, with objects and lists of objects walked. */
function leaves(value: unknown, path: PropertyKey[] = []): PropertyKey[][] {
  if (isPlainObject(value) && Object.keys(value).length > 0) return Object.entries(value).flatMap(([key, child]) => leaves(child, [...path, key]));
  if (Array.isArray(value) && value.some(isPlainObject)) return value.flatMap((item, index) => leaves(item, [...path, index]));
  return path.length ? [path] : [];
}

function valueAt(root: PlainObject, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined), root);
}

/**
 * Key by key, what Renum Realtime does with a Centrifugo config: `check-config --from-centrifugo`.
 * A key under a section that is not supported is reported once, at the section.
 */
export function explainCentrifugoConfig(raw: PlainObject): KeyMapping[] {
  const mappings: KeyMapping[] = [];
  const reported: string[] = [];
  for (const path of leaves(raw)) {
    const shown = formatPath(path);
    if (reported.some((prefix) => shown.startsWith(prefix))) continue;
    if (schemaAt(fileSchema, path)) {
      mappings.push({ path: shown, outcome: 'honoured', detail: 'honoured, same name and meaning' });
      continue;
    }
    // The outermost Centrifugo key that Renum Realtime lacks: a whole unsupported section, at once.
    const depth = path.findIndex((_, i) => !schemaAt(fileSchema, path.slice(0, i + 1)));
    const head = path.slice(0, depth + 1);
    const key = catalogueKey(head);
    const verdict = isCentrifugoKey(key) ? verdictFor(key) : undefined;
    if (verdict) {
      const headShown = formatPath(head);
      if (head.length < path.length) reported.push(headShown);
      if (verdict.kind === 'honoured') mappings.push({ path: shown, outcome: 'honoured', detail: `honoured by the ${verdict.note ?? 'gateway'}` });
      else if (verdict.kind === 'no-op') mappings.push({ path: headShown, outcome: 'no-op', detail: `accepted, nothing to do: ${verdict.note}` });
      else if (isOff(valueAt(raw, head))) mappings.push({ path: headShown, outcome: 'off', detail: `accepted because it is off (not supported by Renum Realtime — ${verdict.alternative})` });
      else mappings.push({ path: headShown, outcome: 'unsupported', detail: `not supported by Renum Realtime — ${verdict.alternative}` });
      continue;
    }
    const v5 = head.length === 1 ? V5_KEYS[String(head[0])] : undefined;
    const close = closestKey(String(head[head.length - 1]), objectKeysAt(fileSchema, head.slice(0, -1)));
    const detail = v5 ? `a Centrifugo v5 name — move it to ${v5}` : `unknown to Centrifugo v6 and Renum Realtime${close ? ` — did you mean "${close}"?` : ' — remove it'}`;
    mappings.push({ path: shown, outcome: 'unknown', detail });
  }
  return mappings;
}
