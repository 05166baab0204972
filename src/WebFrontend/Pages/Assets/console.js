// The tenant console. The access token is kept in sessionStorage: it survives a reload of this tab and is gone
// when the tab closes; it is never put in a URL or a cookie, and it is valid on this tenant's domain only.
(() => {
  const tokenKey = 'tenantchat.console.token';
  const $ = (id) => document.getElementById(id);
  const message = $('message');
  const token = () => sessionStorage.getItem(tokenKey);
  const api = (method, path, body) => callApi(token, method, path, body);
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
  const stamp = (iso) => el('time', { datetime: iso, text: when(iso) });
  const clip = (text, length) => (text && text.length > length ? text.slice(0, length) + '…' : text || '');
  let current = null;
  let editingItem = null;

  async function signIn(event) {
    event.preventDefault();
    const result = await api('POST', '/api/accounts/token', { email: $('email').value, password: $('password').value });
    $('password').value = '';
    if (!result.ok) return say(message, result.status === 401 ? 'Wrong email or password.' : problemText(result), true);
    sessionStorage.setItem(tokenKey, result.body.access_token);
    await start();
  }

  function signOut() {
    sessionStorage.removeItem(tokenKey);
    location.reload();
  }

  async function start() {
    const me = await api('GET', '/api/accounts/me');
    if (!me.ok) {
      sessionStorage.removeItem(tokenKey);
      $('sign-in').hidden = false;
      return;
    }
    say(message, '');
    $('who').textContent = me.body.email + ' (' + me.body.role + ')';
    for (const button of document.querySelectorAll('[data-admin]')) button.parentElement.hidden = me.body.role !== 'admin';
    $('sign-in').hidden = true;
    $('app').hidden = false;
    $('sign-out').hidden = false;
    await show('usage');
  }

  async function show(section) {
    for (const button of document.querySelectorAll('[data-section]')) {
      const active = button.dataset.section === section;
      if (active) button.setAttribute('aria-current', 'page'); else button.removeAttribute('aria-current');
      $(button.dataset.section).hidden = !active;
    }
    await loaders[section]();
  }

  function failed(result) {
    if (result.ok) return false;
    say(message, result.status === 404 ? 'This part is not available on this server yet.' : problemText(result), true);
    return true;
  }

  async function loadUsage() {
    const usage = await api('GET', '/api/usage');
    if (failed(usage)) return;
    const u = usage.body;
    const figures = [['Tokens used', u.tokens_used], ['Budget', u.token_limit], ['Remaining', u.tokens_remaining], ['Calls', u.calls]];
    if (u.cost_usd !== undefined) figures.push(['Cost (USD)', Number(u.cost_usd).toFixed(4)]);
    if (u.cache_hits !== undefined) figures.push(['Cache hits', u.cache_hits]);
    $('usage-figures').replaceChildren(...figures.map(([name, value]) => el('div', {}, el('dt', { text: name }), el('dd', { text: String(value) }))));
    const to = new Date();
    const from = new Date(to.getTime() - 13 * 86400000);
    const day = (d) => d.toISOString().slice(0, 10);
    const daily = await api('GET', '/api/usage/daily?from=' + day(from) + '&to=' + day(to));
    let points;
    if (daily.ok && Array.isArray(daily.body.items)) {
      const byDate = new Map();
      for (let d = new Date(from); d <= to; d = new Date(d.getTime() + 86400000)) byDate.set(day(d), 0);
      for (const row of daily.body.items) byDate.set(row.date, (byDate.get(row.date) || 0) + row.tokens);
      points = [...byDate].map(([date, tokens]) => ({ label: date.slice(5), value: tokens }));
    } else {
      points = [{ label: 'this period', value: u.tokens_used }];
    }
    $('usage-chart').replaceChildren(barChart('Tokens per day against the budget', points, u.token_limit));
  }

  async function loadConversations() {
    const status = $('conversation-status').value;
    const result = await api('GET', '/api/conversations?limit=50' + (status ? '&status=' + status : ''));
    if (failed(result)) return;
    $('conversation-rows').replaceChildren(...result.body.items.map((c) => el('tr', { 'data-id': c.id },
      el('td', {}, stamp(c.last_message_at)),
      el('td', {}, el('span', { class: 'cn-badge cn-' + c.status, text: c.status })),
      el('td', { text: c.channel }),
      el('td', { class: 'cn-num', text: String(c.message_count) }),
      el('td', {}, el('button', { type: 'button', text: 'Open', 'aria-label': 'Open conversation from ' + when(c.last_message_at), onclick: () => openConversation(c.id) })))));
  }

  async function openConversation(id) {
    const result = await api('GET', '/api/chat/conversations/' + encodeURIComponent(id));
    if (failed(result)) return;
    current = result.body;
    $('transcript-box').hidden = false;
    $('transcript-title').textContent = 'Transcript (' + current.status + ')';
    $('transcript').replaceChildren(...current.messages.map((m) => el('li', {}, el('span', { class: 'cn-role', text: m.role }), m.text)));
    $('toggle-status').textContent = current.status === 'closed' ? 'Reopen' : 'Close';
    $('reply-text').focus();
  }

  async function reply(event) {
    event.preventDefault();
    const result = await api('POST', '/api/conversations/' + current.id + '/replies', { text: $('reply-text').value });
    if (failed(result)) return;
    $('reply-text').value = '';
    say(message, 'Reply sent.');
    await openConversation(current.id);
  }

  async function toggleStatus() {
    const status = current.status === 'closed' ? 'open' : 'closed';
    const result = await api('PATCH', '/api/conversations/' + current.id, { status });
    if (failed(result)) return;
    say(message, 'The conversation is ' + status + '.');
    await openConversation(current.id);
    await loadConversations();
  }

  async function loadHistory() {
    const result = await api('GET', '/api/chat/messages?limit=50');
    if (failed(result)) return;
    $('history-rows').replaceChildren(...result.body.items.map((m) => el('tr', {},
      el('td', {}, stamp(m.created_at)), el('td', { text: clip(m.prompt, 200) }), el('td', { text: clip(m.response, 300) }),
      el('td', { class: 'cn-num', text: String(m.usage.total_tokens) }))));
  }

  async function loadKnowledge() {
    const result = await api('GET', '/api/customer-data?limit=100');
    if (failed(result)) return;
    $('item-rows').replaceChildren(...result.body.items.map((item) => el('tr', {},
      el('td', { text: item.title }), el('td', { text: clip(item.content, 200) }),
      el('td', {},
        el('button', { type: 'button', text: 'Edit', 'aria-label': 'Edit ' + item.title, onclick: () => editItem(item) }), ' ',
        el('button', { type: 'button', class: 'cn-danger', text: 'Delete', 'aria-label': 'Delete ' + item.title, onclick: () => deleteItem(item) })))));
  }

  function editItem(item) {
    editingItem = item;
    $('item-name').value = item.title;
    $('item-content').value = item.content;
    $('item-title').textContent = 'Edit ' + item.title;
    $('item-submit').textContent = 'Save';
    $('item-cancel').hidden = false;
    $('item-name').focus();
  }

  function resetItem() {
    editingItem = null;
    $('item').reset();
    $('item-title').textContent = 'New item';
    $('item-submit').textContent = 'Add';
    $('item-cancel').hidden = true;
  }

  async function saveItem(event) {
    event.preventDefault();
    const body = { title: $('item-name').value, content: $('item-content').value };
    const result = editingItem
      ? await api('PUT', '/api/customer-data/' + editingItem.id, body)
      : await api('POST', '/api/customer-data', body);
    if (failed(result)) return;
    say(message, (editingItem ? 'Saved ' : 'Added ') + body.title + '.');
    resetItem();
    await loadKnowledge();
  }

  async function deleteItem(item) {
    if (!confirm('Delete ' + item.title + '? The assistant stops using it at once.')) return;
    const result = await api('DELETE', '/api/customer-data/' + item.id);
    if (failed(result)) return;
    say(message, 'Deleted ' + item.title + '.');
    await loadKnowledge();
  }

  async function upload(event) {
    const names = [];
    for (const file of event.target.files) {
      if (!/\.(txt|md)$/i.test(file.name)) {
        say(message, file.name + ' is not a .txt or .md file.', true);
        continue;
      }
      const result = await api('POST', '/api/customer-data', { title: file.name.replace(/\.(txt|md)$/i, ''), content: await file.text() });
      if (failed(result)) return;
      names.push(file.name);
    }
    event.target.value = '';
    if (names.length) say(message, 'Uploaded ' + names.join(', ') + '.');
    await loadKnowledge();
  }

  async function search(event) {
    event.preventDefault();
    const result = await api('GET', '/api/knowledge/search?k=5&q=' + encodeURIComponent($('knowledge-query').value));
    if (failed(result)) return;
    $('knowledge-results').replaceChildren(...(result.body.items.length
      ? result.body.items.map((hit) => el('li', {}, el('strong', { text: hit.title }), ' (' + Number(hit.score).toFixed(2) + ') ', hit.snippet))
      : [el('li', { text: 'Nothing in the knowledge matches.' })]));
  }

  async function loadSettings() {
    const result = await api('GET', '/api/tenant');
    if (failed(result)) return;
    const t = result.body;
    $('s-prompt').value = t.system_prompt;
    $('s-persona-name').value = t.persona ? t.persona.name : '';
    $('s-persona-tone').value = t.persona ? t.persona.tone : 'professional';
    $('s-persona-language').value = (t.persona && t.persona.language) || '';
    $('s-handoff').value = t.handoff_phrase || '';
    $('s-model').replaceChildren(...t.allowed_models.map((m) => el('option', { value: m, text: m, selected: m === t.model })));
    $('s-origins').value = (t.widget_origins || []).join('\n');
    admin.fillModules(t);
    admin.fillAlerts(t);
  }

  async function saveSettings(event) {
    event.preventDefault();
    const result = await api('PUT', '/api/tenant/settings', {
      system_prompt: $('s-prompt').value,
      persona: $('s-persona-name').value.trim()
        ? { name: $('s-persona-name').value.trim(), tone: $('s-persona-tone').value, ...($('s-persona-language').value.trim() ? { language: $('s-persona-language').value.trim() } : {}) }
        : null,
      handoff_phrase: $('s-handoff').value.trim() || null,
      model: $('s-model').value,
      widget_origins: $('s-origins').value.split('\n').map((line) => line.trim()).filter(Boolean),
    });
    if (failed(result)) return;
    say(message, 'Settings saved; the next answer uses them.');
  }

  async function preview(event) {
    event.preventDefault();
    const result = await api('GET', '/api/tenant/system-preview?prompt=' + encodeURIComponent($('preview-prompt').value));
    if (failed(result)) return;
    $('preview-tokens').textContent = result.body.tokens + ' tokens go upstream as the system parameter.';
    $('preview').textContent = result.body.system;
    $('preview').hidden = false;
    const sources = result.body.sources || [];
    $('preview-sources').replaceChildren(...sources.map((source) => el('li', {}, el('strong', { text: source.title }), ' (score ' + Number(source.score).toFixed(2) + ')')));
    $('preview-sources-box').hidden = sources.length === 0;
  }

  async function loadAudit() {
    const result = await api('GET', '/api/tenant/audit?limit=100');
    if (failed(result)) return;
    await admin.loadAccounts(); // to name accounts by their email
    $('audit-rows').replaceChildren(...result.body.items.map((entry) => el('tr', {},
      el('td', {}, stamp(entry.at)), el('td', { text: admin.nameOf(entry.actor) }),
      el('td', { text: entry.action }), el('td', { text: admin.nameOf(entry.target || '') }))));
  }

  const loaders = {
    usage: loadUsage, conversations: loadConversations, history: loadHistory, knowledge: loadKnowledge,
    settings: loadSettings, audit: loadAudit, accounts: () => admin.loadAccounts(),
  };

  const admin = adminSections(api, failed, (text) => say(message, text));

  $('sign-in').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('conversation-status').addEventListener('change', loadConversations);
  $('conversation-filter').addEventListener('submit', (event) => event.preventDefault());
  $('reply').addEventListener('submit', reply);
  $('toggle-status').addEventListener('click', toggleStatus);
  $('item').addEventListener('submit', saveItem);
  $('item-cancel').addEventListener('click', resetItem);
  $('upload').addEventListener('change', upload);
  $('knowledge-search').addEventListener('submit', search);
  $('settings-form').addEventListener('submit', saveSettings);
  $('preview-form').addEventListener('submit', preview);
  for (const button of document.querySelectorAll('[data-section]')) button.addEventListener('click', () => show(button.dataset.section));
  if (token()) start(); else $('email').focus();
})();
