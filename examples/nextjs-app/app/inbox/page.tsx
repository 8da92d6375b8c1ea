import { InboxPage } from '../../components/InboxPage';
import { currentUser, initialInbox } from '../../lib/server';

/** A Server Component: the inbox page rendered from the server API, live once the client takes over. */
export default async function Inbox() {
  const user = await currentUser();
  const inbox = await initialInbox(user);
  return <InboxPage user={user} {...(inbox ? { initial: inbox } : {})} />;
}
