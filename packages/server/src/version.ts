/** The gateway's version, as `info`, the connect result and `--version` report it. */
export const VERSION = '0.1.0';
