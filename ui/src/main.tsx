import { render } from 'preact';
import { App } from './app.js';
import { applySavedTheme } from './lib/theme.js';
import { Mailbox } from './mailbox.js';
import { currentRoute } from './route.js';
import './styles/theme.css';
import './styles/base.css';
import './styles/layout.css';
import './styles/list.css';
import './styles/viewer.css';
import './styles/tabs.css';
import './styles/empty.css';
import './styles/overlays.css';
import './styles/narrow.css';

applySavedTheme();
const mailbox = new Mailbox(currentRoute().query);
mailbox.start();
render(<App mailbox={mailbox} />, document.getElementById('app')!);
