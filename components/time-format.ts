/**
 * Times shown beside messages, e.g. `14:05:09`, in the browser's locale. One
 * formatter for the page: `Intl.DateTimeFormat` is costly to make, and every
 * message used to make its own on the thread the peer host shares with the pages.
 */
export const messageTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
