import { createRoot } from 'react-dom/client';
import { ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import './canvas.css';
import { App } from './App';
import { connect } from './bridge';

const bridge = connect();
const root = document.getElementById('root')!;
if (bridge.problem) {
  root.className = 'problem';
  root.setAttribute('data-testid', 'problem');
  root.textContent = bridge.problem;
} else {
  createRoot(root).render(
    <ReactFlowProvider>
      <App bridge={bridge} />
    </ReactFlowProvider>,
  );
}
if (bridge.host === 'studio') {
  void bridge.send({ type: 'hello' });
}
