/**
 * How the OIDC client reaches the provider: plain GETs and form POSTs whose answers it reads itself,
 * whatever their status. Riposte wires it to its outbound HTTP path (the SSRF guard, the proxy, size
 * caps; src/integrations/http/plain-http.ts); tests may hand it anything that answers.
 */
export interface OidcHttp {
  get(url: string): Promise<OidcHttpResponse>;
  postForm(
    url: string,
    form: Record<string, string>,
    headers: Record<string, string>,
  ): Promise<OidcHttpResponse>;
}

export interface OidcHttpResponse {
  status: number;
  /** The content type, lowercased, without parameters ('' when absent). */
  contentType: string;
  text: string;
}
