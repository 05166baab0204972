// The visitor chat, shared by the chat page (/) and the widget (/widget.js): mountChat(root, options) builds the
// conversation, the form and the notices inside root and talks to the tenant's public chat API at options.base
// ('' = this origin). Text from the server is only ever set as textContent, never parsed as HTML.

function mountChat(root, options) {
  const base = options.base || '';
  const storageKey = options.storageKey || 'tenantchat.conversation';
  const pollMs = options.pollMs || 2500;
  const doc = root.ownerDocument;
  const inputId = 'tc-input-' + Math.random().toString(36).slice(2);

  const el = (tag, className, text) => {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const log = el('div', 'tc-log');
  log.setAttribute('role', 'log');
  log.setAttribute('aria-live', 'polite');
  log.setAttribute('aria-label', 'Conversation');
  log.tabIndex = 0;
  const handoffBanner = el('p', 'tc-handoff', 'A person will answer here. You can keep this page open or come back later.');
  handoffBanner.hidden = true;
  const alert = el('p', 'tc-alert');
  alert.setAttribute('role', 'alert');
  alert.hidden = true;
  const form = el('form', 'tc-form');
  const label = el('label', 'tc-label', 'Your message');
  label.htmlFor = inputId;
  const input = el('textarea', 'tc-input');
  input.id = inputId;
  input.rows = 2;
  input.maxLength = 8000;
  input.required = true;
  input.setAttribute('aria-describedby', inputId + '-hint');
  const hint = el('span', 'tc-hint', 'Enter sends, Shift+Enter starts a new line.');
  hint.id = inputId + '-hint';
  const send = el('button', 'tc-send', 'Send');
  send.type = 'submit';
  form.append(label, input, hint, send);
  root.append(log, handoffBanner, alert, form);

  let conversationId = readStored();
  let lastAt = null;
  let pollTimer = null;
  let busy = false;

  function readStored() {
    try { return localStorage.getItem(storageKey); } catch { return null; }
  }

  function remember(id) {
    conversationId = id;
    try {
      if (id) localStorage.setItem(storageKey, id); else localStorage.removeItem(storageKey);
    } catch { /* storage refused (private mode): the conversation lasts as long as the page */ }
  }

  const who = { user: 'You', assistant: 'Assistant', agent: 'Agent' };

  function addMessage(role, text) {
    const item = el('div', 'tc-msg tc-' + role);
    item.append(el('span', 'tc-who', who[role] || role), el('p', 'tc-text', text));
    log.append(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function showAlert(text) {
    alert.textContent = text;
    alert.hidden = !text;
  }

  // One clear sentence per refusal, instead of a broken bubble.
  function refusalText(code, retryAfter) {
    switch (code) {
      case 'token_limit_exceeded': return 'This assistant has used its budget for now. Please try again later.';
      case 'rate_limited': return 'Too many messages right now. Please wait ' + (retryAfter || 'a few') + ' seconds and try again.';
      case 'upstream_error':
      case 'upstream_timeout':
      case 'unavailable': return 'The assistant cannot answer right now. Please try again in a moment.';
      case 'tenant_suspended': return 'This chat is currently unavailable.';
      case 'forbidden': return 'This site is not allowed to use this chat.';
      case 'validation_failed': return 'That message cannot be sent: it is empty or too long.';
      case 'network': return 'The chat service cannot be reached. Check your connection and try again.';
      default: return 'Something went wrong. Please try again.';
    }
  }

  async function problemOf(response) {
    try {
      const body = await response.json();
      return { code: body.code, retryAfter: response.headers.get('Retry-After') };
    } catch {
      return { code: response.status >= 500 ? 'unavailable' : 'unknown', retryAfter: response.headers.get('Retry-After') };
    }
  }

  function showSources(item, sources) {
    if (!Array.isArray(sources) || sources.length === 0) return;
    const box = el('div', 'tc-sources');
    box.append(el('span', 'tc-sources-label', 'Sources'));
    const list = el('ul');
    for (const source of sources) list.append(el('li', null, source.title));
    box.append(list);
    item.append(box);
  }

  function enterHandoff() {
    handoffBanner.hidden = false;
    if (!pollTimer) pollTimer = setInterval(poll, pollMs);
  }

  function leaveHandoff() {
    handoffBanner.hidden = true;
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  }

  // Reads the server-sent events of a streamed answer, appending each delta to the answer as it arrives.
  async function readStream(response, item) {
    const text = item.querySelector('.tc-text');
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let final = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of block.split('\n')) {
          if (!line.startsWith('data: ')) continue;
          const data = line.slice(6);
          if (data === '[DONE]') return final;
          const event = JSON.parse(data);
          if (typeof event.delta === 'string') {
            text.textContent += event.delta;
            log.scrollTop = log.scrollHeight;
          } else if (event.error) {
            showAlert(refusalText(event.error.code));
            item.classList.add('tc-cut');
          } else if (event.conversation_id) {
            final = event;
          }
        }
      }
    }
    return final;
  }

  async function ask(prompt, retried) {
    const body = { prompt };
    if (conversationId) body.conversation_id = conversationId;
    if (options.channel) body.channel = options.channel;
    let response;
    try {
      response = await fetch(base + '/api/chat/stream', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify(body),
      });
    } catch {
      showAlert(refusalText('network'));
      return;
    }
    if (!response.ok) {
      const problem = await problemOf(response);
      if (problem.code === 'not_found' && conversationId && !retried) {
        remember(null); // the conversation was erased: start a new one
        return ask(prompt, true);
      }
      showAlert(refusalText(problem.code, problem.retryAfter));
      return;
    }
    const item = addMessage('assistant', '');
    item.classList.add('tc-streaming');
    let final = null;
    try {
      final = await readStream(response, item);
    } catch {
      showAlert(refusalText('network'));
    }
    item.classList.remove('tc-streaming');
    if (!final) return;
    remember(final.conversation_id);
    lastAt = final.created_at || lastAt;
    showSources(item, final.sources);
    if (final.handoff) {
      item.remove();
      enterHandoff();
    }
  }

  async function submit(event) {
    event.preventDefault();
    const prompt = input.value.trim();
    if (!prompt || busy) return;
    busy = true;
    send.disabled = true;
    showAlert('');
    addMessage('user', prompt);
    input.value = '';
    try {
      await ask(prompt, false);
    } finally {
      busy = false;
      send.disabled = false;
      input.focus();
    }
  }

  async function fetchTranscript(after) {
    const query = after ? '?after=' + encodeURIComponent(after) : '';
    const response = await fetch(base + '/api/chat/conversations/' + encodeURIComponent(conversationId) + query);
    if (response.status === 404) {
      remember(null);
      return null;
    }
    return response.ok ? response.json() : null;
  }

  // While a person has the conversation, their replies appear without a reload.
  async function poll() {
    if (!conversationId) return leaveHandoff();
    let transcript;
    try { transcript = await fetchTranscript(lastAt); } catch { return; }
    if (!transcript) return;
    for (const message of transcript.messages) {
      if (message.role !== 'user') addMessage(message.role, message.text);
      lastAt = message.created_at;
    }
    if (transcript.status !== 'needs_human') leaveHandoff();
  }

  // A reload shows the conversation kept in this browser.
  async function restore() {
    if (!conversationId) return;
    let transcript;
    try { transcript = await fetchTranscript(null); } catch { return; }
    if (!transcript) return;
    for (const message of transcript.messages) {
      addMessage(message.role, message.text);
      lastAt = message.created_at;
    }
    if (transcript.status === 'needs_human') enterHandoff();
  }

  form.addEventListener('submit', submit);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  restore();
  return { focus: () => input.focus() };
}
