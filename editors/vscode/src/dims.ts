// Declaring dynamic dims for a module exported elsewhere: the command exportdb.declareDims
// (palette "ExportDB: Declare Dynamic Dims…", and the lens "Declare dynamic dims…" above a
// model's forward) asks for the class, the forward input, the axis, the dim's name and its range,
// then the server writes the class's dynamic-shapes entry into the configuration
// (lsp/dims_command.go). What to ask comes from the server's exportdb/dimsInfo; the questions
// go through a DimsUI, so test/dims.test.ts drives them without VS Code.

/** exportdb/dimsInfo's answer (lsp/dims_command.go). */
export interface DimsInfo {
  configFile: string;
  configExists: boolean;
  configError?: string;
  class?: string;
  classes: DimsClass[];
}

export interface DimsClass {
  name: string;
  qualified: string;
  forward: string;
  params: DimsParam[];
  declared: string[];
  error?: string;
}

export interface DimsParam {
  name: string;
  tensor: boolean;
  kind?: string;
  rank: number;
  rankFrom?: string;
  /** axis -> "batch", "h 32..1024", "static", ... */
  axes: Record<string, string>;
}

/** An axis as the command takes it. */
export type AxisValue = string | { dim: string; min?: number; max?: number };

/** exportdb.declareDims's argument. */
export interface DeclareArgs {
  uri: string;
  class: string;
  parameter?: string;
  axes?: Record<string, AxisValue>;
}

/** The questions, as VS Code's quick pick and input box ask them. */
export interface DimsUI {
  /** One of items, or undefined when the user cancels. */
  pick<T>(title: string, items: { label: string; description?: string; value: T }[]): Promise<T | undefined>;
  /** A text, checked by validate (a message, or undefined when valid); undefined when cancelled. */
  input(title: string, prompt: string, value: string, validate: (text: string) => string | undefined): Promise<string | undefined>;
}

/** Whether the command's arguments still lack what the user is to be asked. */
export function needsQuestions(args: unknown[]): boolean {
  const a = args[0] as Partial<DeclareArgs> | undefined;
  return a === undefined || typeof a !== 'object' || a === null || a.parameter === undefined || a.axes === undefined;
}

/** Reads "min..max", "min..", "..max" or "" (no range). */
export function parseRange(text: string): { min?: number; max?: number } | string {
  const t = text.trim();
  if (t === '') {
    return {};
  }
  const m = /^(\d*)\s*\.\.\s*(\d*)$/.exec(t);
  if (m === null || (m[1] === '' && m[2] === '')) {
    return `"${t}" is not a range: write min..max, min.. or ..max (32..1024)`;
  }
  const out: { min?: number; max?: number } = {};
  if (m[1] !== '') {
    out.min = Number(m[1]);
  }
  if (m[2] !== '') {
    out.max = Number(m[2]);
  }
  if (out.min !== undefined && out.max !== undefined && out.min > out.max) {
    return `min ${out.min} is above max ${out.max}`;
  }
  return out;
}

/** Checks a dim name as the configuration takes it. */
export function checkDimName(text: string): string | undefined {
  const t = text.trim();
  if (t === '') {
    return 'A dim name, or static, auto or dynamic';
  }
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(t) ? undefined : `"${t}" is not a dim name: use letters, digits and _, not starting with a digit`;
}

/** The name to offer for an axis: the declared one, else what vision and sequence models call it. */
export function suggestDim(p: DimsParam, axis: number): string {
  const declared = p.axes[String(axis)];
  if (declared !== undefined) {
    return declared.split(' ')[0];
  }
  if (axis === 0) {
    return 'batch';
  }
  if (p.rank === 4 && axis === 2) {
    return 'h';
  }
  if (p.rank === 4 && axis === 3) {
    return 'w';
  }
  if (p.rank === 3 && axis === 1) {
    return 'seq';
  }
  return '';
}

/**
 * Asks for what args lack (class, input, axis, dim, range) and returns the complete arguments;
 * a string is an error to show, undefined a cancelled question.
 */
export async function askDims(info: DimsInfo, args: DeclareArgs, ui: DimsUI): Promise<DeclareArgs | string | undefined> {
  if (info.configError) {
    return `the configuration cannot take the entry: ${info.configError}`;
  }
  if (info.classes.length === 0) {
    return 'this file defines no nn.Module class';
  }
  const wanted = args.class || info.class;
  let cls = info.classes.find((c) => c.qualified === wanted || c.name === wanted);
  if (args.class && cls === undefined) {
    return `class ${args.class} is not defined in this file`;
  }
  if (cls === undefined) {
    cls = info.classes.length === 1 ? info.classes[0] :
      await ui.pick('Declare dynamic dims of', info.classes.map((c) => ({ label: c.name, description: c.qualified, value: c })));
    if (cls === undefined) {
      return undefined;
    }
  }
  if (cls.error) {
    return cls.error;
  }
  const tensors = cls.params.filter((p) => p.tensor);
  if (tensors.length === 0) {
    return `${cls.forward} takes no tensor input`;
  }
  const title = `Dynamic dims of ${cls.name}`;
  const param = tensors.length === 1 ? tensors[0] : await ui.pick(`${title}: input of ${cls.forward}`, tensors.map((p) => ({
    label: p.name, description: p.rank >= 0 ? `${p.rank} dims` : undefined, value: p,
  })));
  if (param === undefined) {
    return undefined;
  }
  let axis: number | undefined;
  if (param.rank >= 0) {
    axis = await ui.pick(`${title}: axis of ${param.name}`, Array.from({ length: param.rank }, (_, a) => ({
      label: String(a), description: param.axes[String(a)] !== undefined ? `now ${param.axes[String(a)]}` : undefined, value: a,
    })));
  } else {
    const text = await ui.input(title, `Axis of ${param.name}, counted from 0`, '', (t) =>
      /^\d+$/.test(t.trim()) ? undefined : 'A dimension index from 0, such as 0 or 2');
    axis = text === undefined ? undefined : Number(text.trim());
  }
  if (axis === undefined) {
    return undefined;
  }
  const name = await ui.input(title, `Dim of ${param.name}[${axis}]: a name, or static, auto or dynamic`, suggestDim(param, axis), checkDimName);
  if (name === undefined) {
    return undefined;
  }
  const dim = name.trim();
  let value: AxisValue = dim;
  if (dim !== 'static' && dim !== 'auto' && dim !== 'dynamic') {
    const text = await ui.input(title, `Range of ${dim} as min..max (empty: none)`, '', (t) => {
      const r = parseRange(t);
      return typeof r === 'string' ? r : undefined;
    });
    if (text === undefined) {
      return undefined;
    }
    const r = parseRange(text);
    if (typeof r === 'string') {
      return r;
    }
    if (r.min !== undefined || r.max !== undefined) {
      value = { dim, ...r };
    }
  }
  return { uri: args.uri, class: cls.qualified, parameter: param.name, axes: { [String(axis)]: value } };
}

/** The message after a declaration: "Declared x[2]=h in pyproject.toml". */
export function declaredMessage(args: DeclareArgs, file: string): string {
  const axes = Object.entries(args.axes ?? {}).map(([a, v]) => `${args.parameter}[${a}]=${typeof v === 'string' ? v : v.dim}`);
  const base = file.split(/[\\/]/).pop() ?? file;
  return `Declared ${axes.join(', ')} in ${base}`;
}
