// The one message protocol between the canvas and Kumiki (Java owns the pipeline; the canvas renders snapshots and
// sends commands). Inside the Studio it travels through an SWT BrowserFunction (kumikiSend) and Browser.execute
// (kumikiReceive); with `kumiki serve` through HTTP (POST api/command) and server-sent events (GET api/events).

export interface PortInfo {
  name: string;
  type: string;
  doc: string;
  optional: boolean;
  multiple: boolean;
}

export interface KindInfo {
  kind: string;
  category: string;
  doc: string;
  inputs: PortInfo[];
  outputs: PortInfo[];
}

export interface SettingInfo {
  name: string;
  doc: string;
  required: boolean;
  value: string;
  default?: string;
  min?: number;
  max?: number;
  type: 'text' | 'number' | 'boolean' | 'choice' | 'yaml';
  choices?: string[];
  /** A key setting of its kind, shown on the node itself. */
  onNode: boolean;
}

// A value the node takes beyond its settings, e.g. a Merge's method parameter (from the merge library's definitions):
// set through its path (parameters.t, models.chat.weight) with a setSetting command.
export interface ParameterFieldInfo {
  path: string;
  label: string;
  doc: string;
  kind: 'number' | 'flag';
  value: string;
  default?: string;
  min?: number;
  max?: number;
}

export interface DiagnosticInfo {
  severity: 'error' | 'warning';
  setting: string;
  message: string;
}

export interface NodeInfo {
  id: string;
  kind: string;
  x: number;
  y: number;
  inputs: PortInfo[];
  outputs: PortInfo[];
  diagnostics: DiagnosticInfo[];
  state: string;
  specs: Record<string, string>;
  settings: SettingInfo[];
  parameters?: ParameterFieldInfo[];
}

export interface ConnectionInfo {
  id: string;
  from: string;
  fromPort: string;
  to: string;
  toPort: string;
}

export interface Snapshot {
  type: 'snapshot';
  file: string;
  dirty: boolean;
  canUndo: boolean;
  canRedo: boolean;
  undoLabel: string;
  redoLabel: string;
  running: boolean;
  nodes: NodeInfo[];
  connections: ConnectionInfo[];
  diagnostics: string[];
}

export type Event =
  | { type: 'palette'; kinds: KindInfo[] }
  | Snapshot
  | { type: 'nodeState'; node: string; state: string; message?: string }
  | { type: 'progress'; node: string; fraction: number }
  | { type: 'log'; node: string; line: string }
  | { type: 'metric'; node: string; name: string; step: number; value: number }
  | { type: 'runFinished'; status: string; record: string; seconds: number; outputs: Record<string, Record<string, string>> };

export type Command =
  | { type: 'hello' }
  | { type: 'addNode'; kind: string; x: number; y: number }
  | { type: 'removeNodes'; nodes: string[]; connections: string[] }
  | { type: 'moveNodes'; moves: { id: string; x: number; y: number }[] }
  | { type: 'connect'; from: string; fromPort: string; to: string; toPort: string }
  | { type: 'setSetting'; node: string; path: string; value: string }
  | { type: 'duplicate'; nodes: string[] }
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'save' }
  | { type: 'run'; to?: string }
  | { type: 'cancel' }
  | { type: 'select'; nodes: string[] };

export interface Reply {
  ok: boolean;
  message?: string;
  id?: string;
  ids?: string[];
}
