//! A compact embedded table of Chinese administrative regions, used to recognise the region part
//! of a company name (企业名称中的行政区划).
//!
//! The table holds every provincial-level division, the provincial capitals and most other
//! prefecture-level cities, a few well-known county-level cities and districts, the root 中国, and
//! the fictional demo region (示范省 with 示范市, 东湖市, 西岭市, 南川市, 北原市, 青山县).
//!
//! Each region is recognised by its full name (with 省/市/县/区/自治区/自治州/地区 …) and, where
//! that is unambiguous, by its short name without the suffix (江苏, 苏州, 东湖). Short names that
//! are also everyday words or common trade names (大同, 长治, 泰安, 安顺, 中山, 日照 …) are
//! recognised only with their suffix, and counties and districts only by their full name. This is
//! a heuristic for name matching, not a gazetteer: GB/T 2260 codes are not needed here.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A region of the embedded table (a small handle; compare with `==`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(u16);

/// Provincial-level divisions: (full name, short name).
const PROVINCES: &[(&str, &str)] = &[
    ("北京市", "北京"),
    ("天津市", "天津"),
    ("上海市", "上海"),
    ("重庆市", "重庆"),
    ("河北省", "河北"),
    ("山西省", "山西"),
    ("辽宁省", "辽宁"),
    ("吉林省", "吉林"),
    ("黑龙江省", "黑龙江"),
    ("江苏省", "江苏"),
    ("浙江省", "浙江"),
    ("安徽省", "安徽"),
    ("福建省", "福建"),
    ("江西省", "江西"),
    ("山东省", "山东"),
    ("河南省", "河南"),
    ("湖北省", "湖北"),
    ("湖南省", "湖南"),
    ("广东省", "广东"),
    ("海南省", "海南"),
    ("四川省", "四川"),
    ("贵州省", "贵州"),
    ("云南省", "云南"),
    ("陕西省", "陕西"),
    ("甘肃省", "甘肃"),
    ("青海省", "青海"),
    ("台湾省", "台湾"),
    ("内蒙古自治区", "内蒙古"),
    ("广西壮族自治区", "广西"),
    ("西藏自治区", "西藏"),
    ("宁夏回族自治区", "宁夏"),
    ("新疆维吾尔自治区", "新疆"),
    ("香港特别行政区", "香港"),
    ("澳门特别行政区", "澳门"),
    // Fictional demo province (division codes 99xxxx).
    ("示范省", "示范"),
];

/// Cities, prefectures, counties and districts: (full name, short name or "" for full name only,
/// parent's full name).
const LOCALITIES: &[(&str, &str, &str)] = &[
    // Demo region.
    ("示范市", "", "示范省"),
    ("东湖市", "东湖", "示范省"),
    ("西岭市", "西岭", "示范省"),
    ("南川市", "南川", "示范省"),
    ("北原市", "北原", "示范省"),
    ("青山县", "", "示范省"),
    // 河北
    ("石家庄市", "石家庄", "河北省"),
    ("唐山市", "唐山", "河北省"),
    ("秦皇岛市", "秦皇岛", "河北省"),
    ("邯郸市", "邯郸", "河北省"),
    ("邢台市", "邢台", "河北省"),
    ("保定市", "保定", "河北省"),
    ("张家口市", "张家口", "河北省"),
    ("承德市", "承德", "河北省"),
    ("沧州市", "沧州", "河北省"),
    ("廊坊市", "廊坊", "河北省"),
    ("衡水市", "衡水", "河北省"),
    // 山西
    ("太原市", "太原", "山西省"),
    ("大同市", "", "山西省"),
    ("阳泉市", "阳泉", "山西省"),
    ("长治市", "", "山西省"),
    ("晋城市", "晋城", "山西省"),
    ("朔州市", "朔州", "山西省"),
    ("晋中市", "晋中", "山西省"),
    ("运城市", "运城", "山西省"),
    ("忻州市", "忻州", "山西省"),
    ("临汾市", "临汾", "山西省"),
    ("吕梁市", "吕梁", "山西省"),
    // 内蒙古
    ("呼和浩特市", "呼和浩特", "内蒙古自治区"),
    ("包头市", "包头", "内蒙古自治区"),
    ("乌海市", "乌海", "内蒙古自治区"),
    ("赤峰市", "赤峰", "内蒙古自治区"),
    ("通辽市", "通辽", "内蒙古自治区"),
    ("鄂尔多斯市", "鄂尔多斯", "内蒙古自治区"),
    ("呼伦贝尔市", "呼伦贝尔", "内蒙古自治区"),
    ("巴彦淖尔市", "巴彦淖尔", "内蒙古自治区"),
    ("乌兰察布市", "乌兰察布", "内蒙古自治区"),
    // 辽宁
    ("沈阳市", "沈阳", "辽宁省"),
    ("大连市", "大连", "辽宁省"),
    ("鞍山市", "鞍山", "辽宁省"),
    ("抚顺市", "抚顺", "辽宁省"),
    ("本溪市", "本溪", "辽宁省"),
    ("丹东市", "丹东", "辽宁省"),
    ("锦州市", "锦州", "辽宁省"),
    ("营口市", "营口", "辽宁省"),
    ("阜新市", "阜新", "辽宁省"),
    ("辽阳市", "辽阳", "辽宁省"),
    ("盘锦市", "盘锦", "辽宁省"),
    ("铁岭市", "铁岭", "辽宁省"),
    ("朝阳市", "", "辽宁省"),
    ("葫芦岛市", "葫芦岛", "辽宁省"),
    // 吉林 (吉林市 shares its short name with the province: full name only)
    ("长春市", "长春", "吉林省"),
    ("吉林市", "", "吉林省"),
    ("四平市", "四平", "吉林省"),
    ("辽源市", "辽源", "吉林省"),
    ("通化市", "通化", "吉林省"),
    ("白山市", "", "吉林省"),
    ("松原市", "松原", "吉林省"),
    ("白城市", "白城", "吉林省"),
    ("延边朝鲜族自治州", "延边", "吉林省"),
    // 黑龙江
    ("哈尔滨市", "哈尔滨", "黑龙江省"),
    ("齐齐哈尔市", "齐齐哈尔", "黑龙江省"),
    ("鸡西市", "鸡西", "黑龙江省"),
    ("鹤岗市", "鹤岗", "黑龙江省"),
    ("双鸭山市", "双鸭山", "黑龙江省"),
    ("大庆市", "大庆", "黑龙江省"),
    ("伊春市", "", "黑龙江省"),
    ("佳木斯市", "佳木斯", "黑龙江省"),
    ("七台河市", "七台河", "黑龙江省"),
    ("牡丹江市", "牡丹江", "黑龙江省"),
    ("黑河市", "黑河", "黑龙江省"),
    ("绥化市", "绥化", "黑龙江省"),
    // 江苏
    ("南京市", "南京", "江苏省"),
    ("无锡市", "无锡", "江苏省"),
    ("徐州市", "徐州", "江苏省"),
    ("常州市", "常州", "江苏省"),
    ("苏州市", "苏州", "江苏省"),
    ("南通市", "南通", "江苏省"),
    ("连云港市", "连云港", "江苏省"),
    ("淮安市", "淮安", "江苏省"),
    ("盐城市", "盐城", "江苏省"),
    ("扬州市", "扬州", "江苏省"),
    ("镇江市", "镇江", "江苏省"),
    ("泰州市", "泰州", "江苏省"),
    ("宿迁市", "宿迁", "江苏省"),
    ("昆山市", "", "苏州市"),
    ("常熟市", "", "苏州市"),
    ("张家港市", "", "苏州市"),
    ("江阴市", "", "无锡市"),
    // 浙江
    ("杭州市", "杭州", "浙江省"),
    ("宁波市", "宁波", "浙江省"),
    ("温州市", "温州", "浙江省"),
    ("嘉兴市", "嘉兴", "浙江省"),
    ("湖州市", "湖州", "浙江省"),
    ("绍兴市", "绍兴", "浙江省"),
    ("金华市", "", "浙江省"),
    ("衢州市", "衢州", "浙江省"),
    ("舟山市", "舟山", "浙江省"),
    ("台州市", "台州", "浙江省"),
    ("丽水市", "丽水", "浙江省"),
    ("义乌市", "", "金华市"),
    ("慈溪市", "", "宁波市"),
    ("余姚市", "", "宁波市"),
    // 安徽
    ("合肥市", "合肥", "安徽省"),
    ("芜湖市", "芜湖", "安徽省"),
    ("蚌埠市", "蚌埠", "安徽省"),
    ("淮南市", "淮南", "安徽省"),
    ("马鞍山市", "马鞍山", "安徽省"),
    ("淮北市", "淮北", "安徽省"),
    ("铜陵市", "铜陵", "安徽省"),
    ("安庆市", "安庆", "安徽省"),
    ("黄山市", "", "安徽省"),
    ("滁州市", "滁州", "安徽省"),
    ("阜阳市", "阜阳", "安徽省"),
    ("宿州市", "宿州", "安徽省"),
    ("六安市", "六安", "安徽省"),
    ("亳州市", "亳州", "安徽省"),
    ("池州市", "池州", "安徽省"),
    ("宣城市", "宣城", "安徽省"),
    // 福建
    ("福州市", "福州", "福建省"),
    ("厦门市", "厦门", "福建省"),
    ("莆田市", "莆田", "福建省"),
    ("三明市", "三明", "福建省"),
    ("泉州市", "泉州", "福建省"),
    ("漳州市", "漳州", "福建省"),
    ("南平市", "南平", "福建省"),
    ("龙岩市", "龙岩", "福建省"),
    ("宁德市", "宁德", "福建省"),
    ("晋江市", "", "泉州市"),
    // 江西
    ("南昌市", "南昌", "江西省"),
    ("景德镇市", "景德镇", "江西省"),
    ("萍乡市", "萍乡", "江西省"),
    ("九江市", "九江", "江西省"),
    ("新余市", "新余", "江西省"),
    ("鹰潭市", "鹰潭", "江西省"),
    ("赣州市", "赣州", "江西省"),
    ("吉安市", "", "江西省"),
    ("宜春市", "宜春", "江西省"),
    ("抚州市", "抚州", "江西省"),
    ("上饶市", "上饶", "江西省"),
    // 山东
    ("济南市", "济南", "山东省"),
    ("青岛市", "青岛", "山东省"),
    ("淄博市", "淄博", "山东省"),
    ("枣庄市", "枣庄", "山东省"),
    ("东营市", "东营", "山东省"),
    ("烟台市", "烟台", "山东省"),
    ("潍坊市", "潍坊", "山东省"),
    ("济宁市", "济宁", "山东省"),
    ("泰安市", "", "山东省"),
    ("威海市", "威海", "山东省"),
    ("日照市", "", "山东省"),
    ("临沂市", "临沂", "山东省"),
    ("德州市", "德州", "山东省"),
    ("聊城市", "聊城", "山东省"),
    ("滨州市", "滨州", "山东省"),
    ("菏泽市", "菏泽", "山东省"),
    // 河南
    ("郑州市", "郑州", "河南省"),
    ("开封市", "开封", "河南省"),
    ("洛阳市", "洛阳", "河南省"),
    ("平顶山市", "平顶山", "河南省"),
    ("安阳市", "安阳", "河南省"),
    ("鹤壁市", "鹤壁", "河南省"),
    ("新乡市", "新乡", "河南省"),
    ("焦作市", "焦作", "河南省"),
    ("濮阳市", "濮阳", "河南省"),
    ("许昌市", "许昌", "河南省"),
    ("漯河市", "漯河", "河南省"),
    ("三门峡市", "三门峡", "河南省"),
    ("南阳市", "南阳", "河南省"),
    ("商丘市", "商丘", "河南省"),
    ("信阳市", "信阳", "河南省"),
    ("周口市", "周口", "河南省"),
    ("驻马店市", "驻马店", "河南省"),
    // 湖北
    ("武汉市", "武汉", "湖北省"),
    ("黄石市", "黄石", "湖北省"),
    ("十堰市", "十堰", "湖北省"),
    ("宜昌市", "宜昌", "湖北省"),
    ("襄阳市", "襄阳", "湖北省"),
    ("鄂州市", "鄂州", "湖北省"),
    ("荆门市", "荆门", "湖北省"),
    ("孝感市", "孝感", "湖北省"),
    ("荆州市", "荆州", "湖北省"),
    ("黄冈市", "黄冈", "湖北省"),
    ("咸宁市", "咸宁", "湖北省"),
    ("随州市", "随州", "湖北省"),
    ("恩施土家族苗族自治州", "恩施", "湖北省"),
    // 湖南
    ("长沙市", "长沙", "湖南省"),
    ("株洲市", "株洲", "湖南省"),
    ("湘潭市", "湘潭", "湖南省"),
    ("衡阳市", "衡阳", "湖南省"),
    ("邵阳市", "邵阳", "湖南省"),
    ("岳阳市", "岳阳", "湖南省"),
    ("常德市", "常德", "湖南省"),
    ("张家界市", "张家界", "湖南省"),
    ("益阳市", "益阳", "湖南省"),
    ("郴州市", "郴州", "湖南省"),
    ("永州市", "永州", "湖南省"),
    ("怀化市", "怀化", "湖南省"),
    ("娄底市", "娄底", "湖南省"),
    ("湘西土家族苗族自治州", "湘西", "湖南省"),
    // 广东
    ("广州市", "广州", "广东省"),
    ("韶关市", "韶关", "广东省"),
    ("深圳市", "深圳", "广东省"),
    ("珠海市", "珠海", "广东省"),
    ("汕头市", "汕头", "广东省"),
    ("佛山市", "佛山", "广东省"),
    ("江门市", "江门", "广东省"),
    ("湛江市", "湛江", "广东省"),
    ("茂名市", "茂名", "广东省"),
    ("肇庆市", "肇庆", "广东省"),
    ("惠州市", "惠州", "广东省"),
    ("梅州市", "梅州", "广东省"),
    ("汕尾市", "汕尾", "广东省"),
    ("河源市", "河源", "广东省"),
    ("阳江市", "阳江", "广东省"),
    ("清远市", "清远", "广东省"),
    ("东莞市", "东莞", "广东省"),
    ("中山市", "", "广东省"),
    ("潮州市", "潮州", "广东省"),
    ("揭阳市", "揭阳", "广东省"),
    ("云浮市", "云浮", "广东省"),
    // 广西
    ("南宁市", "南宁", "广西壮族自治区"),
    ("柳州市", "柳州", "广西壮族自治区"),
    ("桂林市", "桂林", "广西壮族自治区"),
    ("梧州市", "梧州", "广西壮族自治区"),
    ("北海市", "", "广西壮族自治区"),
    ("防城港市", "防城港", "广西壮族自治区"),
    ("钦州市", "钦州", "广西壮族自治区"),
    ("贵港市", "贵港", "广西壮族自治区"),
    ("玉林市", "玉林", "广西壮族自治区"),
    ("百色市", "百色", "广西壮族自治区"),
    ("贺州市", "贺州", "广西壮族自治区"),
    ("河池市", "河池", "广西壮族自治区"),
    ("来宾市", "", "广西壮族自治区"),
    ("崇左市", "崇左", "广西壮族自治区"),
    // 海南
    ("海口市", "海口", "海南省"),
    ("三亚市", "三亚", "海南省"),
    ("三沙市", "三沙", "海南省"),
    ("儋州市", "儋州", "海南省"),
    // 重庆, 北京, 上海, 天津: a few districts
    ("渝中区", "", "重庆市"),
    ("万州区", "", "重庆市"),
    ("朝阳区", "", "北京市"),
    ("海淀区", "", "北京市"),
    ("丰台区", "", "北京市"),
    ("东城区", "", "北京市"),
    ("西城区", "", "北京市"),
    ("浦东新区", "", "上海市"),
    ("黄浦区", "", "上海市"),
    ("徐汇区", "", "上海市"),
    ("静安区", "", "上海市"),
    ("滨海新区", "", "天津市"),
    // 四川
    ("成都市", "成都", "四川省"),
    ("自贡市", "自贡", "四川省"),
    ("攀枝花市", "攀枝花", "四川省"),
    ("泸州市", "泸州", "四川省"),
    ("德阳市", "德阳", "四川省"),
    ("绵阳市", "绵阳", "四川省"),
    ("广元市", "广元", "四川省"),
    ("遂宁市", "遂宁", "四川省"),
    ("内江市", "内江", "四川省"),
    ("乐山市", "乐山", "四川省"),
    ("南充市", "南充", "四川省"),
    ("眉山市", "眉山", "四川省"),
    ("宜宾市", "宜宾", "四川省"),
    ("广安市", "广安", "四川省"),
    ("达州市", "达州", "四川省"),
    ("雅安市", "雅安", "四川省"),
    ("巴中市", "巴中", "四川省"),
    ("资阳市", "资阳", "四川省"),
    ("阿坝藏族羌族自治州", "阿坝", "四川省"),
    ("甘孜藏族自治州", "甘孜", "四川省"),
    ("凉山彝族自治州", "凉山", "四川省"),
    // 贵州
    ("贵阳市", "贵阳", "贵州省"),
    ("六盘水市", "六盘水", "贵州省"),
    ("遵义市", "遵义", "贵州省"),
    ("安顺市", "", "贵州省"),
    ("毕节市", "毕节", "贵州省"),
    ("铜仁市", "铜仁", "贵州省"),
    // 云南
    ("昆明市", "昆明", "云南省"),
    ("曲靖市", "曲靖", "云南省"),
    ("玉溪市", "玉溪", "云南省"),
    ("保山市", "保山", "云南省"),
    ("昭通市", "昭通", "云南省"),
    ("丽江市", "丽江", "云南省"),
    ("普洱市", "", "云南省"),
    ("临沧市", "临沧", "云南省"),
    ("大理白族自治州", "大理", "云南省"),
    ("红河哈尼族彝族自治州", "", "云南省"),
    ("西双版纳傣族自治州", "西双版纳", "云南省"),
    // 西藏
    ("拉萨市", "拉萨", "西藏自治区"),
    ("日喀则市", "日喀则", "西藏自治区"),
    ("昌都市", "昌都", "西藏自治区"),
    ("林芝市", "林芝", "西藏自治区"),
    ("山南市", "", "西藏自治区"),
    ("那曲市", "那曲", "西藏自治区"),
    // 陕西
    ("西安市", "西安", "陕西省"),
    ("铜川市", "铜川", "陕西省"),
    ("宝鸡市", "宝鸡", "陕西省"),
    ("咸阳市", "咸阳", "陕西省"),
    ("渭南市", "渭南", "陕西省"),
    ("延安市", "延安", "陕西省"),
    ("汉中市", "汉中", "陕西省"),
    ("榆林市", "榆林", "陕西省"),
    ("安康市", "", "陕西省"),
    ("商洛市", "商洛", "陕西省"),
    // 甘肃
    ("兰州市", "兰州", "甘肃省"),
    ("嘉峪关市", "嘉峪关", "甘肃省"),
    ("金昌市", "", "甘肃省"),
    ("白银市", "白银", "甘肃省"),
    ("天水市", "天水", "甘肃省"),
    ("武威市", "武威", "甘肃省"),
    ("张掖市", "张掖", "甘肃省"),
    ("平凉市", "平凉", "甘肃省"),
    ("酒泉市", "酒泉", "甘肃省"),
    ("庆阳市", "庆阳", "甘肃省"),
    ("定西市", "定西", "甘肃省"),
    ("陇南市", "陇南", "甘肃省"),
    // 青海
    ("西宁市", "西宁", "青海省"),
    ("海东市", "海东", "青海省"),
    // 宁夏
    ("银川市", "银川", "宁夏回族自治区"),
    ("石嘴山市", "石嘴山", "宁夏回族自治区"),
    ("吴忠市", "", "宁夏回族自治区"),
    ("固原市", "固原", "宁夏回族自治区"),
    ("中卫市", "中卫", "宁夏回族自治区"),
    // 新疆
    ("乌鲁木齐市", "乌鲁木齐", "新疆维吾尔自治区"),
    ("克拉玛依市", "克拉玛依", "新疆维吾尔自治区"),
    ("吐鲁番市", "吐鲁番", "新疆维吾尔自治区"),
    ("哈密市", "哈密", "新疆维吾尔自治区"),
    ("喀什地区", "喀什", "新疆维吾尔自治区"),
    ("阿克苏地区", "阿克苏", "新疆维吾尔自治区"),
    ("伊犁哈萨克自治州", "伊犁", "新疆维吾尔自治区"),
];

/// Other spellings seen in names: (alias, full name of the region it means).
const ALIASES: &[(&str, &str)] = &[
    ("中华人民共和国", "中国"),
    ("广西自治区", "广西壮族自治区"),
    ("宁夏自治区", "宁夏回族自治区"),
    ("新疆自治区", "新疆维吾尔自治区"),
    ("内蒙古区", "内蒙古自治区"),
];

/// The root: the whole country. It contains every other region.
const ROOT: &str = "中国";

struct Table {
    names: Vec<&'static str>,
    parents: Vec<Option<u16>>,
    /// Short name recognised for each region ("" when none).
    shorts: Vec<&'static str>,
    /// Surface form → (region, whether the form carries an administrative suffix).
    surfaces: HashMap<String, (u16, bool)>,
    /// Longest surface form, in characters.
    max_chars: usize,
}

static TABLE: LazyLock<Table> = LazyLock::new(build_table);

fn build_table() -> Table {
    let mut table = Table {
        names: vec![ROOT],
        parents: vec![None],
        shorts: vec![""],
        surfaces: HashMap::from([(ROOT.to_owned(), (0u16, true))]),
        max_chars: 0,
    };
    let mut index: HashMap<&'static str, u16> = HashMap::from([(ROOT, 0)]);
    fn add(
        table: &mut Table,
        index: &mut HashMap<&'static str, u16>,
        full: &'static str,
        short: &'static str,
        parent: u16,
    ) {
        let id = table.names.len() as u16;
        table.names.push(full);
        table.parents.push(Some(parent));
        index.insert(full, id);
        table.surfaces.insert(full.to_owned(), (id, true));
        if !short.is_empty() && !table.surfaces.contains_key(short) {
            table.surfaces.insert(short.to_owned(), (id, false));
            table.shorts.push(short);
        } else {
            table.shorts.push("");
        }
    }
    for &(full, short) in PROVINCES {
        add(&mut table, &mut index, full, short, 0);
    }
    // Localities may name a parent listed after them (昆山市 → 苏州市 is fine either way).
    let mut pending: Vec<(&'static str, &'static str, &'static str)> = LOCALITIES.to_vec();
    while !pending.is_empty() {
        let before = pending.len();
        let mut still = Vec::new();
        for (full, short, parent) in pending {
            match index.get(parent) {
                Some(&p) => add(&mut table, &mut index, full, short, p),
                None => still.push((full, short, parent)),
            }
        }
        assert!(
            still.len() < before,
            "region table: unknown parent in {still:?}"
        );
        pending = still;
    }
    for &(alias, target) in ALIASES {
        let id = index[target];
        table.surfaces.insert(alias.to_owned(), (id, true));
    }
    // A name written in traditional characters is simplified before lookup, and OpenCC's
    // round trip is not always the identity (慈溪 → 慈谿 → 慈谿): accept those spellings too.
    let round_trips: Vec<(String, (u16, bool))> = table
        .surfaces
        .iter()
        .map(|(s, &v)| (hanconv::t2s(hanconv::s2t(s)), v))
        .filter(|(t, _)| !table.surfaces.contains_key(t))
        .collect();
    table.surfaces.extend(round_trips);
    table.max_chars = table
        .surfaces
        .keys()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0);
    table
}

/// Serialised as its full name.
impl serde::Serialize for Region {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl Region {
    /// The root region 中国 (contains every region).
    pub fn root() -> Region {
        Region(0)
    }

    /// Looks up a region by any surface form it is recognised by (full name, short name, alias).
    pub fn lookup(text: &str) -> Option<Region> {
        TABLE.surfaces.get(text).map(|&(id, _)| Region(id))
    }

    /// The full name, e.g. `东湖市`.
    pub fn name(self) -> &'static str {
        TABLE.names[self.0 as usize]
    }

    /// The enclosing region (`None` only for the root 中国).
    pub fn parent(self) -> Option<Region> {
        TABLE.parents[self.0 as usize].map(Region)
    }

    /// Whether `self` is `other` or lies inside it (东湖市 is within 示范省 and within 中国).
    pub fn is_within(self, other: Region) -> bool {
        let mut r = Some(self);
        while let Some(x) = r {
            if x == other {
                return true;
            }
            r = x.parent();
        }
        false
    }

    /// Whether one of the two regions contains the other (the same region included).
    pub fn is_compatible(self, other: Region) -> bool {
        self.is_within(other) || other.is_within(self)
    }

    /// Every region of the table, the root first.
    pub fn all() -> impl Iterator<Item = Region> {
        (0..TABLE.names.len() as u16).map(Region)
    }

    /// The short name the region is recognised by without its suffix (`东湖` for 东湖市), if
    /// any.
    pub fn short_name(self) -> Option<&'static str> {
        Some(TABLE.shorts[self.0 as usize]).filter(|s| !s.is_empty())
    }

    /// Position in the embedded table (for compact storage).
    pub(crate) fn index(self) -> u16 {
        self.0
    }

    /// The region at a position returned by [`Region::index`].
    pub(crate) fn from_index(index: u16) -> Region {
        Region(index)
    }

    /// Number of regions in the embedded table (including the root).
    pub fn count() -> usize {
        TABLE.names.len()
    }
}

/// The longest region surface form at the start of `text`: the region, the byte length of the
/// matched text, and whether the matched form carries its administrative suffix (东湖市 rather
/// than 东湖).
pub fn match_prefix(text: &str) -> Option<(Region, usize, bool)> {
    let table = &*TABLE;
    let ends: Vec<usize> = text
        .char_indices()
        .skip(1)
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .take(table.max_chars)
        .collect();
    ends.iter().rev().find_map(|&end| {
        table
            .surfaces
            .get(&text[..end])
            .map(|&(id, suffixed)| (Region(id), end, suffixed))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_builds_and_links_parents() {
        assert!(Region::count() > 300);
        let donghu = Region::lookup("东湖市").unwrap();
        assert_eq!(Region::lookup("东湖"), Some(donghu));
        let shifan = Region::lookup("示范省").unwrap();
        assert!(donghu.is_within(shifan));
        assert!(donghu.is_within(Region::root()));
        assert!(!shifan.is_within(donghu));
        assert!(shifan.is_compatible(donghu));
        let kunshan = Region::lookup("昆山市").unwrap();
        assert!(kunshan.is_within(Region::lookup("江苏").unwrap()));
        assert!(!kunshan.is_compatible(donghu));
    }

    #[test]
    fn ambiguous_short_names_are_not_recognised() {
        assert_eq!(Region::lookup("大同"), None);
        assert_eq!(Region::lookup("中山"), None);
        assert!(Region::lookup("中山市").is_some());
        // 吉林 is the province; the city needs its suffix.
        assert_eq!(Region::lookup("吉林").unwrap().name(), "吉林省");
        assert_eq!(Region::lookup("吉林市").unwrap().name(), "吉林市");
    }

    #[test]
    fn traditional_round_trip_spellings_are_recognised() {
        let cixi = Region::lookup("慈溪市").unwrap();
        let traditional = hanconv::t2s(hanconv::s2t("慈溪市"));
        assert_eq!(Region::lookup(&traditional), Some(cixi));
    }

    #[test]
    fn prefix_matching_takes_the_longest_form() {
        let (r, len, suffixed) = match_prefix("东湖市长风货运").unwrap();
        assert_eq!((r.name(), len, suffixed), ("东湖市", "东湖市".len(), true));
        let (r, len, suffixed) = match_prefix("东湖长风货运").unwrap();
        assert_eq!((r.name(), len, suffixed), ("东湖市", "东湖".len(), false));
        let (r, _, _) = match_prefix("广西壮族自治区南宁市").unwrap();
        assert_eq!(r.name(), "广西壮族自治区");
        assert_eq!(match_prefix("长风货运"), None);
    }
}
