import { ActionError } from '../../core/action.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { graphPages } from './graph-pages.ts';
import { graphCode, graphRequest } from './graph-request.ts';
import { mailboxPath, odataString } from './internet-message-id.ts';

export const DEFAULT_QUARANTINE_FOLDER = 'Quarantine';

/** The instance's `quarantine_folder` field: a folder of that display name under each mailbox's root. */
export function quarantineFolderName(context: IntegrationContext): string {
  return context.fields['quarantine_folder']?.trim() || DEFAULT_QUARANTINE_FOLDER;
}

interface GraphFolder {
  id?: unknown;
  displayName?: unknown;
}

/** `GET /users/{id}/mailFolders?$filter=displayName eq '…'`: the root's child of that name, if any. */
export async function findFolder(
  context: IntegrationContext,
  mailbox: string,
  displayName: string,
): Promise<string | null> {
  const pages = graphPages<GraphFolder>(context, {
    path: `${mailboxPath(mailbox)}/mailFolders`,
    query: { $filter: `displayName eq ${odataString(displayName)}`, $select: 'id,displayName' },
  });
  for await (const page of pages)
    for (const folder of page)
      // Exchange compares display names without regard to case; so does this.
      if (
        typeof folder.id === 'string' &&
        String(folder.displayName).toLowerCase() === displayName.toLowerCase()
      )
        return folder.id;
  return null;
}

/**
 * The quarantine folder's id, created under the mailbox root when missing (`POST /users/{id}/mailFolders`
 * → 201). A 409 ErrorFolderExists means a concurrent run made it first: it is looked up again.
 */
export async function findOrCreateFolder(
  context: IntegrationContext,
  mailbox: string,
  displayName: string,
): Promise<string> {
  const found = await findFolder(context, mailbox, displayName);
  if (found) return found;
  const response = await graphRequest(context, {
    method: 'POST',
    path: `${mailboxPath(mailbox)}/mailFolders`,
    json: { displayName },
    accept: [409],
  });
  if (response.status === 409 && graphCode(response) === 'ErrorFolderExists') {
    const raced = await findFolder(context, mailbox, displayName);
    if (raced) return raced;
  }
  const id = response.status === 409 ? undefined : response.json<GraphFolder | null>()?.id;
  if (typeof id !== 'string')
    throw new ActionError(
      'invalid_response',
      `Microsoft Graph did not create the mail folder ${JSON.stringify(displayName)} in ${mailbox} (status ${response.status})`,
      { retryable: false },
    );
  return id;
}
