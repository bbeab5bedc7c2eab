/**
 * TLS for a raftkv member, with etcd 3.4's flags and semantics: the certificate files of the client
 * and peer sides ({@link dev.raftkv.server.tls.TlsFiles}), the contexts built from them ({@link
 * dev.raftkv.server.tls.ServerTls}), etcd's cipher-suite names ({@link
 * dev.raftkv.server.tls.CipherSuites}), {@code --auto-tls} ({@link dev.raftkv.server.tls.AutoTls}),
 * certificate generation ({@link dev.raftkv.server.tls.Pki}) and the verified client certificate's
 * common name ({@link dev.raftkv.server.tls.ClientCertificates}).
 */
package dev.raftkv.server.tls;
