import { useEffect, useState } from 'react';
import type { Command, NodeInfo, ParameterFieldInfo, Reply, SettingInfo } from './protocol';

/** The selected node's settings, as the model describes them; each edit is one undoable command. */
export function SettingsPanel({ node, send }: { node: NodeInfo; send: (c: Command) => Promise<Reply> }) {
  return (
    <aside className="settings" data-testid="settings">
      <h3>
        {node.id} <small>{node.kind}</small>
      </h3>
      {node.diagnostics
        .filter((d) => !d.setting || !node.settings.some((s) => s.name === d.setting))
        .filter((d) => !(node.parameters ?? []).some((p) => p.path === d.setting))
        .map((d, i) => (
          <p key={i} className={'diag ' + d.severity}>
            {d.message}
          </p>
        ))}
      {node.settings.map((s) => (
        <Field key={node.id + '/' + s.name} node={node} setting={s} send={send} />
      ))}
      {node.parameters && node.parameters.length > 0 && (
        <section className="parameters" data-testid={`parameters-${node.id}`}>
          <h4>Method parameters</h4>
          {node.parameters.map((p) => (
            <ParameterField key={node.id + '/' + p.path} node={node} field={p} send={send} />
          ))}
        </section>
      )}
      {Object.entries(node.specs).map(([port, spec]) => (
        <p key={port} className="spec">
          <b>{port}</b>: {spec}
        </p>
      ))}
    </aside>
  );
}

function Field({ node, setting, send }: { node: NodeInfo; setting: SettingInfo; send: (c: Command) => Promise<Reply> }) {
  const [text, setText] = useState(setting.value);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setText(setting.value), [setting.value]);
  const commit = async (value: string) => {
    if (value === setting.value) {
      return;
    }
    const reply = await send({ type: 'setSetting', node: node.id, path: setting.name, value });
    setProblem(reply.ok ? null : reply.message ?? 'refused');
  };
  const diagnostics = node.diagnostics.filter((d) => d.setting === setting.name);
  const id = `setting-${node.id}-${setting.name}`;
  let input;
  if (setting.type === 'choice') {
    input = (
      <select id={id} value={text} onChange={(e) => void commit(e.target.value)}>
        {setting.choices?.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    );
  } else if (setting.type === 'boolean') {
    input = <input id={id} type="checkbox" checked={text === 'true'} onChange={(e) => void commit(String(e.target.checked))} />;
  } else {
    input = (
      <input
        id={id}
        value={text}
        placeholder={setting.default ?? ''}
        className={setting.type === 'yaml' ? 'yaml' : ''}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => void commit(text)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            void commit(text);
          } else if (e.key === 'Escape') {
            setText(setting.value);
          }
        }}
      />
    );
  }
  const range = [setting.min !== undefined ? `≥ ${setting.min}` : '', setting.max !== undefined ? `≤ ${setting.max}` : '']
    .filter(Boolean)
    .join(', ');
  return (
    <div className="field" data-testid={id}>
      <label htmlFor={id} title={setting.doc}>
        {setting.name}
        {setting.required ? ' *' : ''}
        {range && <small> {range}</small>}
      </label>
      {input}
      <small className="doc">{setting.doc}</small>
      {problem && <small className="diag error">{problem}</small>}
      {diagnostics.map((d, i) => (
        <small key={i} className={'diag ' + d.severity}>
          {d.message}
        </small>
      ))}
    </div>
  );
}

/** A number, or numbers separated by commas (a gradient over the layers), as the YAML the setting takes. */
export function parameterYaml(text: string): string {
  const t = text.trim();
  if (t.startsWith('[') || t.startsWith('{') || !t.includes(',')) {
    return t;
  }
  return '[' + t.split(',').map((x) => x.trim()).join(', ') + ']';
}

/** One method parameter: a number or a gradient (comma-separated numbers), or true/false; filters as YAML. */
function ParameterField({ node, field, send }: { node: NodeInfo; field: ParameterFieldInfo; send: (c: Command) => Promise<Reply> }) {
  const [text, setText] = useState(field.value);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setText(field.value), [field.value]);
  const commit = async (value: string) => {
    const yaml = parameterYaml(value);
    if (yaml === field.value || yaml === '') {
      setText(field.value);
      return;
    }
    const reply = await send({ type: 'setSetting', node: node.id, path: field.path, value: yaml });
    setProblem(reply.ok ? null : reply.message ?? 'refused');
  };
  const id = `param-${node.id}-${field.path.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const diagnostics = node.diagnostics.filter((d) => d.setting === field.path);
  const range = [field.min !== undefined ? `≥ ${field.min}` : '', field.max !== undefined ? `≤ ${field.max}` : '']
    .filter(Boolean)
    .join(', ');
  const input =
    field.kind === 'flag' ? (
      <input id={id} type="checkbox" checked={(text || field.default) === 'true'}
        onChange={(e) => void commit(String(e.target.checked))} />
    ) : (
      <input
        id={id}
        value={text}
        placeholder={field.default ?? 'required'}
        title="a number, or numbers separated by commas for a gradient over the layers"
        onChange={(e) => setText(e.target.value)}
        onBlur={() => void commit(text)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            void commit(text);
          } else if (e.key === 'Escape') {
            setText(field.value);
          }
        }}
      />
    );
  return (
    <div className="field" data-testid={id}>
      <label htmlFor={id} title={field.doc}>
        {field.label}
        {range && <small> {range}</small>}
      </label>
      {input}
      <small className="doc">{field.doc}</small>
      {problem && <small className="diag error">{problem}</small>}
      {diagnostics.map((d, i) => (
        <small key={i} className={'diag ' + d.severity}>
          {d.message}
        </small>
      ))}
    </div>
  );
}
