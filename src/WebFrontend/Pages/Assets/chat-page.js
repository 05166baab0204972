// The chat page on a tenant's own domain: the shared chat view, calling this origin.
const chat = mountChat(document.getElementById('chat'), {});
chat.focus();
