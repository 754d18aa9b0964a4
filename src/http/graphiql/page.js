// GraphiQL for casebridge: every script comes from this server (no inline code, so the
// page's Content-Security-Policy can forbid it). Headers typed into the Headers tab (a
// bearer token) are kept in this browser's localStorage across reloads.
(function () {
  'use strict';
  var wsScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({
    url: new URL('/graphql', window.location.href).toString(),
    subscriptionUrl: wsScheme + '//' + window.location.host + '/graphql/ws',
  });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: 'headers',
    })
  );
})();
