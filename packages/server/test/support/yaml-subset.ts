/**
 * Reads the YAML subset our deploy files use — block mappings, `- ` block sequences, plain and
 * double-quoted scalars, `|` block scalars and `#` comment lines — and throws with the line number
 * on anything else (flow collections, anchors, multi-documents). The `yaml` package is not a
 * dependency, and this is enough to check the files Prometheus will load.
 */
interface Line {
  indent: number;
  text: string;
  no: number;
  raw: string;
}

export class YamlSubsetError extends Error {}

function scalar(text: string, no: number): unknown {
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text);
    } catch {
      throw new YamlSubsetError(`line ${no}: bad double-quoted string`);
    }
  }
  if (/^[[{&*!|>'%@`]/.test(text)) throw new YamlSubsetError(`line ${no}: unsupported value ${text}`);
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null' || text === '~') return null;
  return text;
}

export function parseYamlSubset(source: string): unknown {
  const lines: Line[] = source.split('\n').flatMap((raw, index) => {
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) return [];
    if (raw.includes('\t')) throw new YamlSubsetError(`line ${index + 1}: tab in indentation`);
    return [{ indent: raw.length - raw.trimStart().length, text, no: index + 1, raw }];
  });
  let i = 0;

  const block = (indent: number): unknown => (lines[i]!.text.startsWith('- ') ? sequence(indent) : mapping(indent));

  const sequence = (indent: number): unknown[] => {
    const items: unknown[] = [];
    while (i < lines.length && lines[i]!.indent === indent && lines[i]!.text.startsWith('- ')) {
      const line = lines[i]!;
      // `- key: value` opens a mapping whose keys line up with `key`.
      lines[i] = { ...line, indent: indent + 2, text: line.text.slice(2).trimStart() };
      items.push(block(indent + 2));
    }
    return items;
  };

  const mapping = (indent: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    while (i < lines.length && lines[i]!.indent === indent && !lines[i]!.text.startsWith('- ')) {
      const { text, no } = lines[i]!;
      const match = /^([A-Za-z_][\w-]*):(?:\s+(.*))?$/.exec(text);
      if (!match) throw new YamlSubsetError(`line ${no}: expected "key: value", got ${text}`);
      const [, key, rest] = match as unknown as [string, string, string | undefined];
      if (Object.hasOwn(out, key)) throw new YamlSubsetError(`line ${no}: duplicate key ${key}`);
      i++;
      if (rest === '|') {
        const body: string[] = [];
        const start = lines[i]?.indent ?? 0;
        if (start <= indent) throw new YamlSubsetError(`line ${no}: empty block scalar`);
        while (i < lines.length && lines[i]!.indent > indent) body.push(lines[i++]!.raw.slice(start));
        out[key] = `${body.join('\n')}\n`;
      } else if (rest === undefined) {
        const next = lines[i];
        if (!next || next.indent <= indent) throw new YamlSubsetError(`line ${no}: ${key} has no value`);
        out[key] = block(next.indent);
      } else {
        out[key] = scalar(rest, no);
      }
    }
    if (i < lines.length && lines[i]!.indent > indent) throw new YamlSubsetError(`line ${lines[i]!.no}: unexpected indentation`);
    return out;
  };

  const document = block(0);
  if (i < lines.length) throw new YamlSubsetError(`line ${lines[i]!.no}: unexpected content`);
  return document;
}
