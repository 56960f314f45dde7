import { render } from 'preact';

function App() {
  return <p>Sluice inbox</p>;
}

render(<App />, document.getElementById('app')!);
