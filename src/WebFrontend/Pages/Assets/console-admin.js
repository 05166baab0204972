// The tenant admin's parts of the console: accounts, capability modules and usage alerts. adminSections(api, failed,
// done) wires them to the console's API caller and status line and returns what console.js calls when a section
// opens. Every change goes through the public JSON API; the server checks the role again, whatever this page shows.

function adminSections(api, failed, done) {
  const $ = (id) => document.getElementById(id);
  let accounts = [];
  let modules = [];
  let editingModule = null;

  // Accounts: GET/PATCH/DELETE /api/accounts (tenant admin) and POST /api/accounts, which creates a member.

  async function loadAccounts() {
    const result = await api('GET', '/api/accounts?limit=100');
    if (failed(result)) return;
    accounts = result.body.items;
    $('account-rows').replaceChildren(...accounts.map((a) => el('tr', { 'data-email': a.email },
      el('td', { text: a.email }),
      el('td', { text: a.display_name || '' }),
      el('td', { text: a.role }),
      el('td', {}, el('span', { class: 'cn-badge cn-' + a.status, text: a.status })),
      el('td', {},
        el('button', {
          type: 'button', text: a.role === 'admin' ? 'Make member' : 'Make admin',
          'aria-label': (a.role === 'admin' ? 'Make member: ' : 'Make admin: ') + a.email,
          onclick: () => changeAccount(a, { role: a.role === 'admin' ? 'member' : 'admin' }),
        }), ' ',
        el('button', {
          type: 'button', text: a.status === 'active' ? 'Disable' : 'Enable',
          'aria-label': (a.status === 'active' ? 'Disable ' : 'Enable ') + a.email,
          onclick: () => changeAccount(a, { status: a.status === 'active' ? 'disabled' : 'active' }),
        }), ' ',
        el('button', { type: 'button', class: 'cn-danger', text: 'Delete', 'aria-label': 'Delete ' + a.email, onclick: () => deleteAccount(a) })))));
  }

  async function changeAccount(account, change) {
    const result = await api('PATCH', '/api/accounts/' + account.id, change);
    if (failed(result)) return;
    done(account.email + ' is now ' + (change.role || change.status) + '.');
    await loadAccounts();
  }

  async function deleteAccount(account) {
    if (!confirm('Delete the account ' + account.email + '? Its sign-ins stop at once.')) return;
    const result = await api('DELETE', '/api/accounts/' + account.id);
    if (failed(result)) return;
    done(account.email + ' is deleted.');
    await loadAccounts();
  }

  async function createAccount(event) {
    event.preventDefault();
    const body = { email: $('n-email').value.trim(), password: $('n-password').value };
    if ($('n-name').value.trim()) body.display_name = $('n-name').value.trim();
    const created = await api('POST', '/api/accounts', body);
    $('n-password').value = '';
    if (failed(created)) return;
    if ($('n-role').value === 'admin') {
      const promoted = await api('PATCH', '/api/accounts/' + created.body.id, { role: 'admin' });
      if (failed(promoted)) return loadAccounts();
    }
    done(created.body.email + ' can sign in now, as ' + $('n-role').value + '.');
    $('account-form').reset();
    await loadAccounts();
  }

  // "account:<id>" (an actor or a target in the audit log) becomes the account's email when this admin can see it.
  function nameOf(actor) {
    const id = actor.startsWith('account:') ? actor.slice('account:'.length) : null;
    const account = id && accounts.find((a) => a.id === id);
    return account ? account.email : actor;
  }

  // Capability modules: the whole list goes back with PUT /api/tenant/settings on every change.

  function fillModules(tenant) {
    modules = tenant.modules || [];
    $('module-rows').replaceChildren(...(modules.length ? modules.map((m) => el('tr', { 'data-key': m.key },
      el('td', { text: m.key }),
      el('td', { class: 'cn-num', text: String(m.priority) }),
      el('td', { text: m.active ? 'yes' : 'no' }),
      el('td', { text: m.prompt.length > 200 ? m.prompt.slice(0, 200) + '…' : m.prompt }),
      el('td', {},
        el('button', { type: 'button', text: 'Edit', 'aria-label': 'Edit module ' + m.key, onclick: () => editModule(m) }), ' ',
        el('button', { type: 'button', class: 'cn-danger', text: 'Remove', 'aria-label': 'Remove module ' + m.key, onclick: () => saveModules(modules.filter((x) => x !== m), 'Removed ' + m.key + '.') }))))
      : [el('tr', {}, el('td', { colspan: '5', text: 'No modules yet.' }))]));
  }

  function editModule(module) {
    editingModule = module;
    $('m-key').value = module.key;
    $('m-prompt').value = module.prompt;
    $('m-priority').value = module.priority;
    $('m-active').checked = module.active;
    $('module-form-title').textContent = 'Edit module ' + module.key;
    $('module-submit').textContent = 'Save module';
    $('module-cancel').hidden = false;
    $('m-prompt').focus();
  }

  function resetModule() {
    editingModule = null;
    $('module-form').reset();
    $('module-form-title').textContent = 'New module';
    $('module-submit').textContent = 'Add module';
    $('module-cancel').hidden = true;
  }

  async function submitModule(event) {
    event.preventDefault();
    const module = { key: $('m-key').value.trim(), prompt: $('m-prompt').value, priority: Number($('m-priority').value), active: $('m-active').checked };
    const rest = modules.filter((m) => m !== editingModule);
    if (await saveModules([...rest, module], 'Saved module ' + module.key + '; the next answer uses it.')) resetModule();
  }

  async function saveModules(list, sentence) {
    const result = await api('PUT', '/api/tenant/settings', { modules: list });
    if (failed(result)) return false;
    done(sentence);
    fillModules(result.body);
    return true;
  }

  // Usage alerts: the secret is in the answer to the change that set it, once; the page shows it then and never again.

  function fillAlerts(tenant) {
    $('alerts-secret-box').hidden = true;
    $('alerts-secret').textContent = '';
    $('a-url').value = tenant.alerts ? tenant.alerts.webhook_url : '';
    $('a-thresholds').value = tenant.alerts ? tenant.alerts.thresholds.join(', ') : '80, 100';
    $('alerts-off').hidden = !tenant.alerts;
  }

  async function saveAlerts(event) {
    event.preventDefault();
    const thresholds = $('a-thresholds').value.split(/[\s,;]+/).filter(Boolean).map(Number);
    await putAlerts({ webhook_url: $('a-url').value.trim(), thresholds }, 'Alerts saved.');
  }

  async function putAlerts(alerts, sentence) {
    const result = await api('PUT', '/api/tenant/settings', { alerts });
    if (failed(result)) return;
    done(sentence);
    fillAlerts(result.body);
    if (result.body.webhook_secret) {
      $('alerts-secret').textContent = result.body.webhook_secret;
      $('alerts-secret-box').hidden = false;
    }
  }

  $('account-form').addEventListener('submit', createAccount);
  $('module-form').addEventListener('submit', submitModule);
  $('module-cancel').addEventListener('click', resetModule);
  $('alerts-form').addEventListener('submit', saveAlerts);
  $('alerts-off').addEventListener('click', () => putAlerts(null, 'Alerts are off.'));

  return { loadAccounts, nameOf, fillModules, fillAlerts };
}
