#!/usr/bin/env python3
"""Lists every Centrifugo v6 configuration key, walking the Go structs of its config package.

Usage: scripts/centrifugo-config-keys.py GIT_DIR > packages/server/src/config/centrifugo-keys.json

GIT_DIR is a clone of github.com/centrifugal/centrifugo (a bare one works); the walk starts at
`Config` in internal/config/config.go and follows every `mapstructure` tag into
internal/configtypes. Only key names and Go types are kept: they are the interface a Centrifugo
config file is written against, which Renum Realtime's loader must recognise key by key.
"""
import json
import re
import subprocess
import sys

git_dir = sys.argv[1]


def show(path):
    return subprocess.run(['git', '-C', git_dir, 'show', f'HEAD:{path}'], check=True, capture_output=True, text=True).stdout


def files():
    listing = subprocess.run(['git', '-C', git_dir, 'ls-tree', '--name-only', 'HEAD', 'internal/configtypes/'], check=True, capture_output=True, text=True).stdout
    names = [n for n in listing.split() if n.endswith('.go') and not n.endswith('_test.go')]
    return ['internal/config/config.go', *names]


STRUCT = re.compile(r'^type (\w+) struct \{\n(.*?)^\}', re.S | re.M)
SLICE_ALIAS = re.compile(r'^type (\w+) \[\](\w+)\s*$', re.M)
FIELD = re.compile(r'^\s+(?:(\w+)\s+)?([\w.\[\]*]+)\s+`([^`]*)`', re.M)
TAG = re.compile(r'mapstructure:"([^"]*)"')
DEFAULT = re.compile(r'default:"([^"]*)"')

structs, aliases = {}, {}
for path in files():
    text = show(path)
    for name, body in STRUCT.findall(text):
        structs[name] = body
    for name, element in SLICE_ALIAS.findall(text):
        aliases[name] = element

keys = []


def walk(struct_name, prefix, seen):
    for _, go_type, tags in FIELD.findall(structs[struct_name]):
        tag = TAG.search(tags)
        if not tag or tag.group(1) == '-':
            continue
        name = tag.group(1)
        base = go_type.lstrip('*').replace('configtypes.', '')
        if name == ',squash':
            walk(base, prefix, seen)
            continue
        path = f'{prefix}{name}'
        is_list = base.startswith('[]') or base in aliases
        element = aliases.get(base, base[2:] if base.startswith('[]') else base)
        if element in structs and element not in seen:
            keys.append({'key': path, 'type': 'list' if is_list else 'object'})
            walk(element, f'{path}[].' if is_list else f'{path}.', seen | {element})
        else:
            entry = {'key': path, 'type': go_type}
            default = DEFAULT.search(tags)
            if default:
                entry['default'] = default.group(1)
            keys.append(entry)


walk('Config', '', frozenset({'Config'}))
commit = subprocess.run(['git', '-C', git_dir, 'rev-parse', 'HEAD'], check=True, capture_output=True, text=True).stdout.strip()
json.dump({'source': f'github.com/centrifugal/centrifugo@{commit}', 'keys': keys}, sys.stdout, indent=0)
sys.stdout.write('\n')
