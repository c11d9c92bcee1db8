import { startFakeServer, type FakeRequest, type FakeReply, type FakeServer } from '../sdk/fake-server.ts';

export const TICKETING_KEY = 'tk-9f4e2a71c0';

/**
 * A small ticketing API described in OpenAPI 3.0: path, query and header parameters, an API key in a
 * header, a `$ref`'d body schema with a read-only id, and a comment schema that contains itself.
 */
export const TICKETING_SPEC = `
openapi: 3.0.3
info:
  title: Ticketing
  version: 2.1.0
externalDocs:
  url: https://tickets.example.test/docs
servers:
  - url: '{scheme}://tickets.example.test/api/{version}'
    variables:
      scheme: { default: https, enum: [https, http] }
      version: { default: v2 }
security:
  - ApiKeyAuth: []
components:
  securitySchemes:
    ApiKeyAuth: { type: apiKey, in: header, name: X-API-Key }
  parameters:
    TicketId:
      name: ticketId
      in: path
      required: true
      description: The ticket's id
      schema: { type: string, minLength: 1 }
  schemas:
    NewTicket:
      type: object
      required: [id, title, priority]
      properties:
        id: { type: string, readOnly: true }
        title: { type: string, minLength: 1, maxLength: 200 }
        priority: { $ref: '#/components/schemas/Priority' }
        assignee: { type: string, format: email, nullable: true }
        labels: { type: array, items: { type: string }, maxItems: 10 }
    Priority:
      type: string
      enum: [low, medium, high]
    Comment:
      type: object
      required: [text]
      properties:
        text: { type: string }
        replies:
          type: array
          items: { $ref: '#/components/schemas/Comment' }
paths:
  /tickets:
    get:
      operationId: listTickets
      summary: List tickets
      parameters:
        - name: status
          in: query
          schema: { type: array, items: { type: string, enum: [open, closed] } }
        - name: pageSize
          in: query
          schema: { type: integer, minimum: 1, maximum: 100 }
        - name: X-Request-Id
          in: header
          schema: { type: string }
      responses:
        '200': { description: the tickets }
    post:
      operationId: createTicket
      summary: Open a ticket
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/NewTicket' }
      responses:
        '201': { description: created }
  /tickets/{ticketId}:
    parameters:
      - $ref: '#/components/parameters/TicketId'
    get:
      operationId: getTicket
      responses:
        '200': { description: the ticket }
        '404': { description: no such ticket }
    delete:
      operationId: deleteTicket
      responses:
        '204': { description: deleted }
  /tickets/{ticketId}/comments:
    parameters:
      - $ref: '#/components/parameters/TicketId'
    post:
      operationId: tickets.addComment
      requestBody:
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Comment' }
      responses:
        '201': { description: added }
  /tickets/{ticketId}/close:
    parameters:
      - $ref: '#/components/parameters/TicketId'
    put:
      x-riposte-effect: destructive
      responses:
        '200': { description: closed }
`;

interface Ticket {
  id: string;
  title: string;
  priority: string;
  status: 'open' | 'closed';
}

export interface FakeTicketing extends FakeServer {
  /** The base URL an instance points at (the fake's `/api/v2`). */
  baseUrl: string;
  tickets: Map<string, Ticket>;
}

/** The ticketing API's stand-in: the API key checked on every call, 404 for unknown tickets. */
export async function startFakeTicketing(): Promise<FakeTicketing> {
  const tickets = new Map<string, Ticket>([
    ['T-1', { id: 'T-1', title: 'Phishing report', priority: 'high', status: 'open' }],
    ['T-2', { id: 'T-2', title: 'Old alert', priority: 'low', status: 'closed' }],
  ]);
  const keyed =
    (handler: (request: FakeRequest) => FakeReply) =>
    (request: FakeRequest): FakeReply =>
      request.headers['x-api-key'] === TICKETING_KEY
        ? handler(request)
        : { status: 401, json: { error: 'invalid API key' } };
  const server = await startFakeServer([
    [
      'GET',
      '/api/v2/tickets',
      keyed((r) => {
        const wanted = r.query.getAll('status');
        const items = [...tickets.values()].filter((t) => wanted.length === 0 || wanted.includes(t.status));
        return { json: { items: items.slice(0, Number(r.query.get('pageSize') ?? 50)) } };
      }),
    ],
    [
      'POST',
      '/api/v2/tickets',
      keyed((r) => {
        const body = JSON.parse(r.body) as Omit<Ticket, 'id' | 'status'>;
        const ticket: Ticket = { ...body, id: `T-${tickets.size + 1}`, status: 'open' };
        tickets.set(ticket.id, ticket);
        return { status: 201, json: ticket };
      }),
    ],
    [
      'GET',
      '/api/v2/tickets/:ticketId',
      keyed((r) => {
        const ticket = tickets.get(r.params['ticketId']!);
        return ticket
          ? { json: ticket }
          : { status: 404, json: { error: `no ticket ${r.params['ticketId']}` } };
      }),
    ],
    [
      'DELETE',
      '/api/v2/tickets/:ticketId',
      keyed((r) =>
        tickets.delete(r.params['ticketId']!)
          ? { status: 204 }
          : { status: 404, json: { error: 'no such ticket' } },
      ),
    ],
    [
      'POST',
      '/api/v2/tickets/:ticketId/comments',
      keyed((r) => ({ status: 201, json: JSON.parse(r.body) as unknown })),
    ],
    [
      'PUT',
      '/api/v2/tickets/:ticketId/close',
      keyed((r) => {
        const ticket = tickets.get(r.params['ticketId']!);
        if (!ticket) return { status: 404, json: { error: 'no such ticket' } };
        ticket.status = 'closed';
        return { json: ticket };
      }),
    ],
  ]);
  return { ...server, baseUrl: `${server.url}/api/v2`, tickets };
}
