// The operator console. The operator key lives in this closure only: never in the URL, storage or a cookie, so it
// is gone when the tab closes or reloads.
(() => {
  let operatorKey = null;
  let tenants = [];
  let editing = null;
  const key = () => operatorKey;
  const $ = (id) => document.getElementById(id);
  const field = (form, name) => form.elements.namedItem(name);
  const message = $('message');
  const api = (method, path, body) => callApi(key, method, path, body);

  async function signIn(event) {
    event.preventDefault();
    operatorKey = $('operator-key').value;
    $('operator-key').value = '';
    const probe = await api('GET', '/api/admin/tenants?limit=1');
    if (!probe.ok) {
      operatorKey = null;
      say(message, probe.status === 401 ? 'That operator key is not valid.' : problemText(probe), true);
      $('operator-key').focus();
      return;
    }
    say(message, '');
    $('sign-in').hidden = true;
    $('app').hidden = false;
    $('sign-out').hidden = false;
    await loadTenants();
    $('search-text').focus();
  }

  function signOut() {
    operatorKey = null;
    tenants = [];
    $('tenant-rows').replaceChildren();
    $('app').hidden = true;
    $('sign-out').hidden = true;
    $('sign-in').hidden = false;
    $('operator-key').focus();
  }

  async function loadTenants() {
    const all = [];
    let cursor = null;
    for (let page = 0; page < 50; page++) {
      const result = await api('GET', '/api/admin/tenants?limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      if (!result.ok) return say(message, problemText(result), true);
      all.push(...result.body.items);
      cursor = result.body.next_cursor;
      if (!cursor) break;
    }
    tenants = all;
    render();
  }

  function render() {
    const query = $('search-text').value.trim().toLowerCase();
    const shown = tenants.filter((t) => !query || t.name.toLowerCase().includes(query) || t.domain.includes(query));
    $('tenant-count').textContent = shown.length + ' of ' + tenants.length + ' tenants';
    $('tenant-rows').replaceChildren(...shown.map((t) => el('tr', { 'data-domain': t.domain },
      el('td', { text: t.name }),
      el('td', { text: t.domain }),
      el('td', {}, el('span', { class: 'cn-badge cn-' + t.status, text: t.status })),
      el('td', { class: 'cn-num', text: String(t.tokens_used) }),
      el('td', { class: 'cn-num', text: String(t.token_limit) }),
      el('td', { class: 'cn-num', text: String(t.calls) }),
      el('td', {},
        el('button', { type: 'button', text: 'Change', 'aria-label': 'Change ' + t.domain, onclick: () => edit(t) }), ' ',
        el('button', {
          type: 'button', class: t.status === 'active' ? 'cn-danger' : null,
          text: t.status === 'active' ? 'Suspend' : 'Activate', 'aria-label': (t.status === 'active' ? 'Suspend ' : 'Activate ') + t.domain,
          onclick: () => patch(t, { status: t.status === 'active' ? 'suspended' : 'active' }, t.status === 'active' ? 'suspended' : 'active again'),
        }), ' ',
        el('button', { type: 'button', text: 'Reset usage', 'aria-label': 'Reset usage of ' + t.domain, onclick: () => resetUsage(t) }), ' ',
        el('button', { type: 'button', text: 'Export', 'aria-label': 'Export ' + t.domain, onclick: () => exportTenant(t) }), ' ',
        el('button', { type: 'button', class: 'cn-danger', text: 'Delete', 'aria-label': 'Delete ' + t.domain, onclick: () => deleteTenant(t) })))));
  }

  // Every row of the tenant as JSON Lines, saved as a file (the key goes in the header, never in a link).
  async function exportTenant(tenant) {
    let response;
    try {
      response = await fetch('/api/admin/tenants/' + tenant.id + '/export', { headers: { Authorization: 'Bearer ' + operatorKey } });
    } catch {
      return say(message, 'The service cannot be reached.', true);
    }
    if (!response.ok) return say(message, 'The export failed (' + response.status + ').', true);
    const link = el('a', { href: URL.createObjectURL(await response.blob()), download: tenant.domain + '.jsonl' });
    document.body.append(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(link.href);
    say(message, 'Exported ' + tenant.domain + '.');
  }

  async function deleteTenant(tenant) {
    if (!confirm('Delete ' + tenant.domain + ' and every row of its data? This cannot be undone.')) return;
    const result = await api('DELETE', '/api/admin/tenants/' + tenant.id);
    if (!result.ok) return say(message, problemText(result), true);
    say(message, tenant.domain + ' is deleted.');
    await loadTenants();
  }

  async function patch(tenant, body, done) {
    const result = await api('PATCH', '/api/admin/tenants/' + tenant.id, body);
    if (!result.ok) return say(message, problemText(result), true);
    say(message, tenant.domain + ' is ' + done + '.');
    await loadTenants();
  }

  async function resetUsage(tenant) {
    if (!confirm('Reset the usage of ' + tenant.domain + ' to 0?')) return;
    const result = await api('POST', '/api/admin/tenants/' + tenant.id + '/usage/reset');
    if (!result.ok) return say(message, problemText(result), true);
    say(message, 'The usage of ' + tenant.domain + ' is back to 0.');
    await loadTenants();
  }

  function edit(tenant) {
    editing = tenant;
    const form = $('editor');
    field(form, 'name').value = tenant.name;
    field(form, 'domain').value = tenant.domain;
    field(form, 'token_limit').value = tenant.token_limit;
    field(form, 'model').value = tenant.model;
    field(form, 'system_prompt').value = tenant.system_prompt;
    field(form, 'widget_origins').value = (tenant.widget_origins || []).join('\n');
    for (const field of form.querySelectorAll('.cn-new-only')) field.hidden = true;
    $('editor-title').textContent = 'Change ' + tenant.domain;
    $('editor-submit').textContent = 'Save changes';
    $('editor-cancel').hidden = false;
    field(form, 'name').focus();
  }

  function resetEditor() {
    editing = null;
    const form = $('editor');
    form.reset();
    for (const field of form.querySelectorAll('.cn-new-only')) field.hidden = false;
    $('editor-title').textContent = 'New tenant';
    $('editor-submit').textContent = 'Create tenant';
    $('editor-cancel').hidden = true;
  }

  async function save(event) {
    event.preventDefault();
    const form = event.target;
    const body = {
      name: field(form, 'name').value,
      domain: field(form, 'domain').value.trim(),
      token_limit: Number(field(form, 'token_limit').value),
      model: field(form, 'model').value.trim(),
      system_prompt: field(form, 'system_prompt').value,
      widget_origins: field(form, 'widget_origins').value.split('\n').map((line) => line.trim()).filter(Boolean),
    };
    if (editing && body.model !== editing.model && !editing.allowed_models.includes(body.model)) {
      body.allowed_models = [...editing.allowed_models, body.model];
    }
    if (!editing && field(form, 'admin_email').value) {
      body.admin_email = field(form, 'admin_email').value;
      body.admin_password = field(form, 'admin_password').value;
    }
    const result = editing
      ? await api('PATCH', '/api/admin/tenants/' + editing.id, body)
      : await api('POST', '/api/admin/tenants', body);
    if (!result.ok) return say(message, problemText(result), true);
    say(message, editing ? result.body.domain + ' is changed.' : result.body.domain + ' is created.');
    resetEditor();
    await loadTenants();
  }

  function show(section) {
    for (const button of document.querySelectorAll('[data-section]')) {
      const current = button.dataset.section === section;
      if (current) button.setAttribute('aria-current', 'page'); else button.removeAttribute('aria-current');
      $(button.dataset.section).hidden = !current;
    }
    if (section === 'health') views.loadHealth();
    if (section === 'usage') views.loadUsage();
  }

  $('sign-in').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('search').addEventListener('submit', (event) => event.preventDefault());
  $('search-text').addEventListener('input', render);
  $('editor').addEventListener('submit', save);
  $('editor-cancel').addEventListener('click', resetEditor);
  const views = operatorViews(api, () => tenants, loadTenants, (text, isError) => say(message, text, isError));
  $('health-refresh').addEventListener('click', () => views.loadHealth());
  for (const button of document.querySelectorAll('[data-section]')) button.addEventListener('click', () => show(button.dataset.section));
  $('operator-key').focus();
})();
