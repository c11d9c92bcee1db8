/**
 * The two payloads a Teams webhook takes. Workflows (Power Automate) webhooks accept only the Adaptive
 * Card shape; the retiring Microsoft 365 (Office 365) connector webhooks accept both.
 */
export interface TeamsText {
  title?: string;
  text: string;
  /** Label → value pairs shown as a fact list. */
  facts?: Record<string, string>;
  /** A button that opens this URL. */
  link?: { title: string; url: string };
}

export function adaptiveCardMessage(card: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

export function adaptiveCard(message: TeamsText): Record<string, unknown> {
  const facts = Object.entries(message.facts ?? {});
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      ...(message.title
        ? [{ type: 'TextBlock', text: message.title, weight: 'Bolder', size: 'Medium', wrap: true }]
        : []),
      { type: 'TextBlock', text: message.text, wrap: true },
      ...(facts.length > 0
        ? [{ type: 'FactSet', facts: facts.map(([title, value]) => ({ title, value })) }]
        : []),
    ],
    ...(message.link
      ? { actions: [{ type: 'Action.OpenUrl', title: message.link.title, url: message.link.url }] }
      : {}),
    // Full-width in channels; ignored where unsupported.
    msteams: { width: 'Full' },
  };
}

export function messageCard(message: TeamsText): Record<string, unknown> {
  const facts = Object.entries(message.facts ?? {});
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: message.title ?? message.text.slice(0, 80),
    ...(message.title ? { title: message.title } : {}),
    text: message.text,
    ...(facts.length > 0 ? { sections: [{ facts: facts.map(([name, value]) => ({ name, value })) }] } : {}),
    ...(message.link
      ? {
          potentialAction: [
            {
              '@type': 'OpenUri',
              name: message.link.title,
              targets: [{ os: 'default', uri: message.link.url }],
            },
          ],
        }
      : {}),
  };
}
