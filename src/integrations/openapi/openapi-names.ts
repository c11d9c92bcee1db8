/** Words of an identifier, whatever its case style (`getTicketByID`, `list-tickets`, `tickets.list`). */
function snake(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function slug(text: string, prefix: string): string {
  const words = snake(text) || prefix;
  return (/^[a-z]/.test(words) ? words : `${prefix}_${words}`).slice(0, 64).replace(/_+$/, '');
}

/** An action name (lowercase snake, ≤ 64): `getTicket` → `get_ticket`, `get /tickets/{id}` → `get_tickets_id`. */
export function actionSlug(text: string): string {
  return slug(text, 'op');
}

/** The action input a parameter becomes: `X-Request-Id` → `x_request_id`, `pageSize` → `page_size`. */
export function inputKey(text: string): string {
  return slug(text, 'p');
}
