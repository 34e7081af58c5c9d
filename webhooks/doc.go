// Package webhooks brings Shopify's webhooks into passthrough: orders reach the ERP within
// seconds of changing, while the orders feed's scheduled run stays the safety net that
// stages whatever a webhook missed.
//
//   - The Receiver (POST /webhooks/shopify) checks a delivery's HMAC against its shop's
//     secret, stores it durably in the pt_ tables and answers 200 at once. Nothing else
//     happens before the answer, so Shopify never waits on the ERP.
//   - The Worker, in every process, claims stored deliveries and works them after the
//     answer: an order's payload goes through the orders feed's own handling (Handle), the
//     privacy requests remove personal data from passthrough's own tables, app/uninstalled
//     stops the store's feeds. A claim is the database's, so replicas share the work and
//     an order's deliveries go to one worker at a time, in the order they came; a process
//     that dies leaves its claims to lapse, and deliveries wait out an ERP that is away.
//   - Register, List and Verify manage the store's subscriptions (passthrough webhooks
//     register|list|verify); Check says whether webhooks are flowing, for the portal.
//
// A delivery counts once: Shopify's retries carry the same X-Shopify-Webhook-Id, which is
// stored once per shop, and an order version older than the one the ledger holds changes
// nothing, however late it comes.
package webhooks
