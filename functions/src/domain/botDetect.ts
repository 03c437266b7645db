// Is a scan a person's? `isbot` (a maintained list of crawler, preview and monitor agents) decides
// first; a short list of our own then names the two kinds that matter most for printed codes and
// that isbot calls human or does not tell apart: link-preview fetchers (a chat app unfurling a
// pasted scan URL) and mail scanners (a security gateway opening every URL in an email). A
// missing user agent is a script, never a phone's camera app.
import { isbot } from 'isbot';

export type BotKind = 'linkPreview' | 'mailScanner' | 'crawler';

export interface AgentVerdict {
  bot: boolean;
  /** null for a person. */
  botKind: BotKind | null;
}

/** Chat and social apps that fetch a URL to show its preview card. */
const LINK_PREVIEW =
  /facebookexternalhit|facebookcatalog|slackbot|slack-imgproxy|twitterbot|discordbot|telegrambot|whatsapp|linkedinbot|skypeuripreview|iframely|embedly|pinterestbot|redditbot|applebot|google-pagerenderer|viber|mastodon|bluesky/i;

/** Mail and web security gateways that open links before (or instead of) the reader. */
const MAIL_SCANNER =
  /barracuda|mimecast|proofpoint|safelinks|urldefense|forcepoint|trendmicro|trend micro|symantec|messagelabs|sophos|fortiguard|fortinet|zscaler|cisco ?ironport|paloalto|checkpoint|avanan|microsoft office\/|ms-office|microsoftpreview|bitdefender|kaspersky|mcafee/i;

export function classifyAgent(userAgent: string | undefined): AgentVerdict {
  const ua = (userAgent ?? '').trim();
  if (ua === '') return { bot: true, botKind: 'crawler' };
  if (MAIL_SCANNER.test(ua)) return { bot: true, botKind: 'mailScanner' };
  if (LINK_PREVIEW.test(ua)) return { bot: true, botKind: 'linkPreview' };
  if (isbot(ua)) return { bot: true, botKind: 'crawler' };
  return { bot: false, botKind: null };
}
