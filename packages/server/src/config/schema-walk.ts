import { z } from 'zod';

/** A partial of a config value: objects become partial at every depth, arrays stay whole. */
export type Overlay<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: Overlay<T[K]> } : T;

export type LeafKind = 'string' | 'number' | 'boolean' | 'string[]';

export interface SchemaLeaf {
  path: string[];
  kind: LeafKind;
  description?: string;
}

/** Strips `.default()`, `.prefault()` and `.optional()`, keeping the first description seen. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; description?: string } {
  let inner = schema;
  let description = schema.description;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault || inner instanceof z.ZodOptional) {
    inner = inner.unwrap() as z.ZodType;
    description ??= inner.description;
  }
  return description === undefined ? { inner } : { inner, description };
}

/** The schema as its input is first checked: a transform pipe is seen through to what it reads. */
function inputSide(schema: z.ZodType): z.ZodType {
  const { inner } = unwrap(schema);
  return inner instanceof z.ZodPipe ? inputSide(inner.in as z.ZodType) : inner;
}

/** Same keys and checks as `schema`, no defaults, every object key optional, arrays whole. */
export function overlayOf<T extends z.ZodObject>(schema: T): z.ZodType<Overlay<z.output<T>>> {
  return overlayNode(schema) as z.ZodType<Overlay<z.output<T>>>;
}

function overlayNode(schema: z.ZodType): z.ZodType {
  const { inner } = unwrap(schema);
  if (!(inner instanceof z.ZodObject)) return inner;
  const shape = Object.fromEntries(
    Object.entries(inner.shape as Record<string, z.ZodType>).map(([key, child]) => [key, overlayNode(child).optional()]),
  );
  return z.strictObject(shape);
}

/** Scalar and string-array leaves: the keys an environment variable can set. */
export function schemaLeaves(schema: z.ZodType, prefix: string[] = []): SchemaLeaf[] {
  const { inner, description } = unwrap(schema);
  const leaf = (kind: LeafKind): SchemaLeaf[] => [
    description === undefined ? { path: prefix, kind } : { path: prefix, kind, description },
  ];
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
      schemaLeaves(child, [...prefix, key]),
    );
  }
  const input = inputSide(inner);
  if (input instanceof z.ZodArray) {
    // Arrays of objects (namespaces) have no sensible one-variable form.
    return inputSide(input.element as z.ZodType) instanceof z.ZodString ? leaf('string[]') : [];
  }
  if (input instanceof z.ZodNumber) return leaf('number');
  if (input instanceof z.ZodBoolean) return leaf('boolean');
  return leaf('string');
}

/**
 * The schema at `path` (string segments into objects, numbers into arrays), without its
 * defaults, or undefined when the schema has no such key.
 */
export function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let node = unwrap(schema).inner;
  for (const segment of path) {
    const input = inputSide(node);
    if (input instanceof z.ZodObject && typeof segment === 'string') {
      const child = (input.shape as Record<string, z.ZodType>)[segment];
      if (!child) return undefined;
      node = unwrap(child).inner;
    } else if (input instanceof z.ZodArray && typeof segment === 'number') {
      node = unwrap(input.element as z.ZodType).inner;
    } else {
      return undefined;
    }
  }
  return node;
}

/** The keys the object at `path` accepts, or [] when `path` does not lead to an object. */
export function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const node = schemaAt(schema, path);
  const input = node && inputSide(node);
  return input instanceof z.ZodObject ? Object.keys(input.shape) : [];
}

/** What a value at this schema node must be, as far as Centrifugo's loose value forms matter. */
export function valueKind(node: z.ZodType): 'number' | 'boolean' | 'string' | 'object' | 'array' | 'other' {
  const input = inputSide(node);
  if (input instanceof z.ZodString) return 'string';
  if (input instanceof z.ZodNumber) return 'number';
  if (input instanceof z.ZodBoolean) return 'boolean';
  if (input instanceof z.ZodObject) return 'object';
  if (input instanceof z.ZodArray) return 'array';
  return 'other';
}
