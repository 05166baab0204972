// The widget's bubble: a button at the corner of the host page opening the chat in a panel. Everything lives in a
// shadow root, so the host page's CSS cannot reach it and its CSS cannot reach the host page. It talks only to the
// tenant's domain this script was loaded from.
const script = document.currentScript;
const tenantOrigin = new URL(script.src).origin;

function mountWidget() {
  const host = document.createElement('div');
  host.setAttribute('data-tenantchat-widget', '');
  const shadow = host.attachShadow({ mode: 'open' });
  const style = document.createElement('link');
  style.rel = 'stylesheet';
  style.href = tenantOrigin + '/assets/chat.css';
  const frame = document.createElement('div');
  frame.className = 'tc-widget';
  const bubble = document.createElement('button');
  bubble.type = 'button';
  bubble.className = 'tc-bubble';
  bubble.textContent = 'Chat with us';
  bubble.setAttribute('aria-expanded', 'false');
  const panel = document.createElement('section');
  panel.className = 'tc-panel';
  panel.id = 'tc-panel';
  panel.hidden = true;
  panel.setAttribute('aria-label', 'Chat');
  bubble.setAttribute('aria-controls', panel.id);
  frame.append(panel, bubble);
  shadow.append(style, frame);
  document.body.append(host);

  const chat = mountChat(panel, { base: tenantOrigin, storageKey: 'tenantchat.widget:' + tenantOrigin, channel: 'widget' });
  const toggle = (open) => {
    panel.hidden = !open;
    bubble.setAttribute('aria-expanded', String(open));
    if (open) chat.focus(); else bubble.focus();
  };
  bubble.addEventListener('click', () => toggle(panel.hidden));
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') toggle(false);
  });
}

if (document.body) mountWidget(); else document.addEventListener('DOMContentLoaded', mountWidget);
