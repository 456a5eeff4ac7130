import { createRoot } from 'react-dom/client';
import { ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import './canvas.css';
import { App } from './App';
import { connect } from './bridge';

const bridge = connect();
createRoot(document.getElementById('root')!).render(
  <ReactFlowProvider>
    <App bridge={bridge} />
  </ReactFlowProvider>,
);
if (bridge.host === 'studio') {
  void bridge.send({ type: 'hello' });
}
