// The JavaScript peer of pages2app's benchmark: a jscodeshift transform doing a comparable,
// smaller core of the same work on each route file. It parses the file with the `tsx` parser
// (babel), finds the default-exported handler (a function, an arrow, or a name bound to one),
// renames `req.query` to `query`, rewrites `res.status(n).json(x)` to
// `return Response.json(x, { status: n })`, and prints the file with recast. It does not split
// methods, rewrite other req/res members, fix imports or config, diff, or re-parse its output.
module.exports = function transform(file, api) {
  const j = api.jscodeshift;
  const root = j(file.source);

  let handler = null;
  root.find(j.ExportDefaultDeclaration).forEach((path) => {
    const d = path.node.declaration;
    if (d.type === 'FunctionDeclaration' || d.type === 'FunctionExpression' || d.type === 'ArrowFunctionExpression') {
      handler = d;
    } else if (d.type === 'Identifier') {
      root.find(j.FunctionDeclaration, { id: { name: d.name } }).forEach((p) => {
        handler = p.node;
      });
      root.find(j.VariableDeclarator, { id: { name: d.name } }).forEach((p) => {
        const init = p.node.init;
        if (init && (init.type === 'ArrowFunctionExpression' || init.type === 'FunctionExpression')) handler = init;
      });
    }
  });
  if (!handler || handler.params.length < 2 || handler.params[0].type !== 'Identifier' || handler.params[1].type !== 'Identifier') {
    return null; // not a shape this transform handles: left unchanged
  }
  const req = handler.params[0].name;
  const res = handler.params[1].name;
  const body = j(handler.body);

  body
    .find(j.MemberExpression, { object: { type: 'Identifier', name: req }, property: { type: 'Identifier', name: 'query' } })
    .replaceWith(() => j.identifier('query'));

  body
    .find(j.CallExpression, {
      callee: {
        type: 'MemberExpression',
        property: { name: 'json' },
        object: { type: 'CallExpression', callee: { type: 'MemberExpression', object: { type: 'Identifier', name: res }, property: { name: 'status' } } },
      },
    })
    .forEach((path) => {
      const status = path.node.callee.object.arguments[0];
      const value = path.node.arguments[0] || j.identifier('undefined');
      const call = j.callExpression(j.memberExpression(j.identifier('Response'), j.identifier('json')), [
        value,
        j.objectExpression([j.objectProperty(j.identifier('status'), status)]),
      ]);
      if (path.parent.node.type === 'ExpressionStatement') {
        path.parent.replace(j.returnStatement(call));
      } else if (path.parent.node.type === 'ReturnStatement') {
        path.replace(call);
      } else {
        path.replace(call);
      }
    });

  return root.toSource();
};

module.exports.parser = 'tsx';
