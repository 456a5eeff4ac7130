import { useEffect, useState } from 'react';
import type { Command, NodeInfo, Reply, SettingInfo } from './protocol';

/** The selected node's settings, as the model describes them; each edit is one undoable command. */
export function SettingsPanel({ node, send }: { node: NodeInfo; send: (c: Command) => Promise<Reply> }) {
  return (
    <aside className="settings" data-testid="settings">
      <h3>
        {node.id} <small>{node.kind}</small>
      </h3>
      {node.diagnostics
        .filter((d) => !d.setting || !node.settings.some((s) => s.name === d.setting))
        .map((d, i) => (
          <p key={i} className={'diag ' + d.severity}>
            {d.message}
          </p>
        ))}
      {node.settings.map((s) => (
        <Field key={node.id + '/' + s.name} node={node} setting={s} send={send} />
      ))}
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
